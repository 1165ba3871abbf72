package taskmeta

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Source is what the server asks about a task when a container calls: the
// agent's current view of it.
type Source interface {
	// TaskInput returns what the agent knows of the task now; false once
	// the agent no longer tracks it.
	TaskInput(ctx context.Context, taskARN string) (TaskInput, bool)
}

// StatsReader reads one container's resource usage as Docker's stats
// JSON (GET /containers/{id}/stats?stream=false). Runtimes that can
// implement it.
type StatsReader interface {
	ContainerStats(ctx context.Context, id string) (json.RawMessage, error)
}

// Config configures a Server. Source is required.
type Config struct {
	Source Source
	// Credentials serves the task roles (nil: no task gets credentials).
	Credentials CredentialsProvider
	// Stats reads container stats (nil: the stats paths answer 500).
	Stats StatsReader
	// Logger receives the server's logs (default: discarded). No secret
	// and no credentials ID is ever logged.
	Logger *slog.Logger
	// Rand supplies the endpoint and credentials IDs (default
	// crypto/rand).
	Rand io.Reader
}

// Server serves the task metadata endpoint (versions 3 and 4) and the task
// role credentials of one agent's tasks. Every container has its own
// endpoint ID and every task with a role its own credentials ID, 128
// random bits each: an ID answers for its own task only, and nothing else
// answers at all. It is an http.Handler, safe for concurrent use.
type Server struct {
	cfg Config
	log *slog.Logger
	mux *http.ServeMux

	mu        sync.Mutex
	endpoints map[string]endpoint   // endpoint ID -> container
	creds     map[string]credential // credentials ID -> task role
	byTask    map[string]*taskIDs
}

type endpoint struct{ task, container string }

type credential struct{ task, role string }

// taskIDs are the IDs handed out for one task.
type taskIDs struct {
	endpoints map[string]string // container name -> endpoint ID
	creds     string
	role      string
}

// Timeouts of the calls a request makes.
const (
	inspectTimeout     = 10 * time.Second
	statsTimeout       = 10 * time.Second
	credentialsTimeout = 10 * time.Second
)

// NewServer returns a server for cfg.
func NewServer(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	s := &Server{
		cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(),
		endpoints: map[string]endpoint{}, creds: map[string]credential{}, byTask: map[string]*taskIDs{},
	}
	for _, v := range []string{"v3", "v4"} {
		v4 := v == "v4"
		s.mux.HandleFunc("GET /"+v+"/{id}", s.container(v4))
		s.mux.HandleFunc("GET /"+v+"/{id}/task", s.task(v4, false))
		s.mux.HandleFunc("GET /"+v+"/{id}/stats", s.containerStats)
		s.mux.HandleFunc("GET /"+v+"/{id}/task/stats", s.taskStats)
	}
	s.mux.HandleFunc("GET /v4/{id}/taskWithTags", s.task(true, true))
	s.mux.HandleFunc("GET /v2/credentials/{id}", s.credentials)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusNotFound, "no such endpoint")
	})
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// ContainerEndpoint returns the endpoint ID of a container of a task,
// making one on first use: the last path element of
// ECS_CONTAINER_METADATA_URI_V4.
func (s *Server) ContainerEndpoint(taskARN, container string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := s.idsOf(taskARN)
	if id, ok := ids.endpoints[container]; ok {
		return id
	}
	id := s.newID()
	ids.endpoints[container] = id
	s.endpoints[id] = endpoint{task: taskARN, container: container}
	return id
}

// TaskCredentials returns the credentials ID of a task's role, making one
// on first use: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is
// /v2/credentials/<ID>.
func (s *Server) TaskCredentials(taskARN, roleARN string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := s.idsOf(taskARN)
	if ids.creds != "" && ids.role == roleARN {
		return ids.creds
	}
	delete(s.creds, ids.creds)
	ids.creds, ids.role = s.newID(), roleARN
	s.creds[ids.creds] = credential{task: taskARN, role: roleARN}
	return ids.creds
}

// Forget drops every ID of a task: they answer no more.
func (s *Server) Forget(taskARN string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := s.byTask[taskARN]
	if ids == nil {
		return
	}
	for _, id := range ids.endpoints {
		delete(s.endpoints, id)
	}
	delete(s.creds, ids.creds)
	delete(s.byTask, taskARN)
}

// idsOf returns the IDs of a task; s.mu is held.
func (s *Server) idsOf(taskARN string) *taskIDs {
	ids := s.byTask[taskARN]
	if ids == nil {
		ids = &taskIDs{endpoints: map[string]string{}}
		s.byTask[taskARN] = ids
	}
	return ids
}

// newID returns 128 random bits, hex-encoded; s.mu is held.
func (s *Server) newID() string {
	b := make([]byte, 16)
	if _, err := io.ReadFull(s.cfg.Rand, b); err != nil {
		panic("taskmeta: random source failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// lookup resolves an endpoint ID to the task's current input and the
// container's index in it.
func (s *Server) lookup(ctx context.Context, id string) (TaskInput, int, bool) {
	s.mu.Lock()
	ep, ok := s.endpoints[id]
	s.mu.Unlock()
	if !ok {
		return TaskInput{}, 0, false
	}
	ictx, cancel := context.WithTimeout(ctx, inspectTimeout)
	defer cancel()
	in, ok := s.cfg.Source.TaskInput(ictx, ep.task)
	if !ok {
		return TaskInput{}, 0, false
	}
	for i, c := range in.Containers {
		if c.Definition.Name == ep.container {
			return in, i, true
		}
	}
	return TaskInput{}, 0, false
}

func (s *Server) container(v4 bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		in, i, ok := s.lookup(r.Context(), r.PathValue("id"))
		if !ok {
			notFound(w)
			return
		}
		c := Container(in, in.Containers[i])
		if !v4 {
			c = c.v3()
		}
		writeJSON(w, http.StatusOK, c)
	}
}

func (s *Server) task(v4, withTags bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		in, _, ok := s.lookup(r.Context(), r.PathValue("id"))
		if !ok {
			notFound(w)
			return
		}
		t := Task(in, withTags)
		if !v4 {
			t = t.v3()
		}
		writeJSON(w, http.StatusOK, t)
	}
}

func (s *Server) containerStats(w http.ResponseWriter, r *http.Request) {
	in, i, ok := s.lookup(r.Context(), r.PathValue("id"))
	if !ok {
		notFound(w)
		return
	}
	e := in.Containers[i].Engine
	if e == nil || e.ID == "" {
		writeJSON(w, http.StatusOK, nil)
		return
	}
	b, err := s.stats(r.Context(), e.ID)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, "unable to get stats: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, b)
}

func (s *Server) taskStats(w http.ResponseWriter, r *http.Request) {
	in, _, ok := s.lookup(r.Context(), r.PathValue("id"))
	if !ok {
		notFound(w)
		return
	}
	out := map[string]json.RawMessage{}
	for _, c := range in.Containers {
		if c.Engine == nil || c.Engine.ID == "" {
			continue
		}
		b, err := s.stats(r.Context(), c.Engine.ID)
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, "unable to get stats: "+err.Error())
			return
		}
		out[c.Engine.ID] = b
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) stats(ctx context.Context, id string) (json.RawMessage, error) {
	if s.cfg.Stats == nil {
		return nil, errors.New("the runtime reports no stats")
	}
	ctx, cancel := context.WithTimeout(ctx, statsTimeout)
	defer cancel()
	return s.cfg.Stats.ContainerStats(ctx, id)
}

// credentials serves a task's role credentials while the task runs: from
// the time the agent took it until it is STOPPED.
func (s *Server) credentials(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	cr, ok := s.creds[r.PathValue("id")]
	s.mu.Unlock()
	if ok && s.cfg.Credentials != nil {
		ictx, cancel := context.WithTimeout(r.Context(), inspectTimeout)
		in, live := s.cfg.Source.TaskInput(ictx, cr.task)
		cancel()
		ok = live && in.KnownStatus != "STOPPED"
	}
	if !ok || s.cfg.Credentials == nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{
			"code": "InvalidIdInRequest", "message": "CredentialsV2Request: Credentials not found",
		})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), credentialsTimeout)
	defer cancel()
	c, err := s.cfg.Credentials.Credentials(ctx, cr.role)
	if err != nil {
		s.log.Warn("taskmeta: task role credentials", "task", cr.task, "role", cr.role, "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{
			"code": "InternalServerError", "message": "CredentialsV2Request: unable to get the task role's credentials",
		})
		return
	}
	writeJSON(w, http.StatusOK, CredentialsResponse{
		RoleArn: cr.role, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey,
		Token: c.SessionToken, Expiration: c.Expiration.UTC(),
	})
}

func notFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, "unable to find the task of this endpoint")
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`"unable to encode the response"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// TaskIDs are the IDs handed out for one task: what an agent keeps on
// disk so that the containers it adopts after a restart keep their
// endpoints. They are bearer secrets: keep them private.
type TaskIDs struct {
	// Endpoints maps container names to endpoint IDs.
	Endpoints   map[string]string `json:"endpoints"`
	Credentials string            `json:"credentials,omitempty"`
	Role        string            `json:"role,omitempty"`
}

// Export returns every ID handed out, by task ARN.
func (s *Server) Export() map[string]TaskIDs {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]TaskIDs{}
	for arn, ids := range s.byTask {
		e := TaskIDs{Endpoints: map[string]string{}, Credentials: ids.creds, Role: ids.role}
		for c, id := range ids.endpoints {
			e.Endpoints[c] = id
		}
		out[arn] = e
	}
	return out
}

// Import makes the server answer to IDs an earlier one handed out; IDs of
// a task it knows already are kept.
func (s *Server) Import(all map[string]TaskIDs) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for arn, e := range all {
		if _, known := s.byTask[arn]; known {
			continue
		}
		ids := s.idsOf(arn)
		for c, id := range e.Endpoints {
			ids.endpoints[c] = id
			s.endpoints[id] = endpoint{task: arn, container: c}
		}
		if e.Credentials != "" {
			ids.creds, ids.role = e.Credentials, e.Role
			s.creds[e.Credentials] = credential{task: arn, role: e.Role}
		}
	}
}
