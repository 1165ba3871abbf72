package logs

import (
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Defaults of a Store.
const (
	// DefaultMaxStreamBytes bounds a stream unless WithMaxStreamBytes says
	// otherwise.
	DefaultMaxStreamBytes = 16 << 20
	// EventOverhead is what CloudWatch adds to a message's length when it
	// counts an event's bytes.
	EventOverhead = 26
	// MaxEventBytes is the largest event (message plus overhead).
	MaxEventBytes = 256 << 10
	// MaxBatchBytes bounds one PutLogEvents batch.
	MaxBatchBytes = 1 << 20
	// MaxBatchEvents bounds the events of one PutLogEvents batch.
	MaxBatchEvents = 10000
	// DefaultAccount is the account in ARNs unless WithAccount says
	// otherwise.
	DefaultAccount = "000000000000"
)

// Store holds log groups, streams and events. It is safe for concurrent
// use. Writers to different streams do not wait for each other.
type Store struct {
	mu           sync.RWMutex // guards groups, nextStreamID and each group's fields and streams map
	groups       map[string]*group
	nextStreamID uint64

	now            func() time.Time
	maxStreamBytes int64
	retention      time.Duration
	region         string
	account        string
	log            *slog.Logger
	db             *bolt.DB
}

type group struct {
	name          string
	created       int64
	retentionDays int
	class         string
	streams       map[string]*stream
}

// Option configures a Store.
type Option func(*Store)

// WithClock sets the time source (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithMaxStreamBytes bounds the bytes one stream keeps (default
// DefaultMaxStreamBytes; at least MaxEventBytes).
func WithMaxStreamBytes(n int64) Option {
	return func(s *Store) { s.maxStreamBytes = max(n, MaxEventBytes) }
}

// WithRetention drops events older than d (by their timestamp) from every
// group; 0, the default, keeps them until a group's own retention or the
// byte bound drops them.
func WithRetention(d time.Duration) Option { return func(s *Store) { s.retention = d } }

// WithRegion sets the region of ARNs (default us-east-1).
func WithRegion(r string) Option { return func(s *Store) { s.region = r } }

// WithAccount sets the account of ARNs (default DefaultAccount).
func WithAccount(a string) Option { return func(s *Store) { s.account = a } }

// WithLogger sets the logger (default: discard). Messages are never
// logged.
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// NewMemory returns a Store that lives in memory.
func NewMemory(opts ...Option) *Store {
	s := &Store{
		groups:         map[string]*group{},
		now:            time.Now,
		maxStreamBytes: DefaultMaxStreamBytes,
		region:         "us-east-1",
		account:        DefaultAccount,
		log:            slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Close releases the store's file, if any. A memory store needs no Close.
func (s *Store) Close() error {
	if s.db == nil {
		return nil
	}
	return s.db.Close()
}

func (s *Store) nowMillis() int64 { return s.now().UnixMilli() }

var groupNameRE = regexp.MustCompile(`^[\.\-_/#A-Za-z0-9]{1,512}$`)

func checkGroupName(field, name string) error {
	if !groupNameRE.MatchString(name) {
		return invalid("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+ and have length between 1 and 512", name, field)
	}
	return nil
}

func checkStreamName(name string) error {
	if name == "" || len(name) > 512 || strings.ContainsAny(name, ":*") {
		return invalid("1 validation error detected: Value '%s' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]* and have length between 1 and 512", name)
	}
	return nil
}

// groupArn is arn:aws:logs:region:account:log-group:name.
func (s *Store) groupArn(name string) string {
	return "arn:aws:logs:" + s.region + ":" + s.account + ":log-group:" + name
}

// resolveGroup reads logGroupName or logGroupIdentifier (a name or an
// ARN, with or without the trailing ":*").
func resolveGroup(name, ident string) (string, error) {
	switch {
	case name != "" && ident != "":
		return "", invalid("LogGroupName and LogGroupIdentifier are mutually exclusive parameters.")
	case name != "":
		return name, checkGroupName("logGroupName", name)
	case ident == "":
		return "", invalid("Either LogGroupName or LogGroupIdentifier must be specified.")
	}
	if strings.HasPrefix(ident, "arn:") {
		_, rest, ok := strings.Cut(ident, ":log-group:")
		if !ok {
			return "", invalid("Invalid log group identifier: %s", ident)
		}
		ident = strings.TrimSuffix(rest, ":*")
	}
	return ident, checkGroupName("logGroupIdentifier", ident)
}

// CreateLogGroup creates a group.
func (s *Store) CreateLogGroup(in CreateLogGroupInput) error {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return err
	}
	class := in.LogGroupClass
	switch class {
	case "":
		class = "STANDARD"
	case "STANDARD", "INFREQUENT_ACCESS", "DELIVERY":
	default:
		return invalid("1 validation error detected: Value '%s' at 'logGroupClass' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]", class)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.groups[in.LogGroupName]; ok {
		return &Error{Code: CodeResourceAlreadyExists, Message: msgGroupExists}
	}
	g := &group{name: in.LogGroupName, created: s.nowMillis(), class: class, streams: map[string]*stream{}}
	if err := s.persistGroup(g); err != nil {
		return err
	}
	s.groups[g.name] = g
	return nil
}

// DeleteLogGroup deletes a group with its streams and events.
func (s *Store) DeleteLogGroup(in DeleteLogGroupInput) error {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[in.LogGroupName]
	if !ok {
		return groupNotFound()
	}
	if err := s.unpersistGroup(g); err != nil {
		return err
	}
	delete(s.groups, g.name)
	for _, st := range g.streams {
		st.markDeleted()
	}
	return nil
}

// retentionValues are the retentionInDays CloudWatch accepts.
var retentionValues = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// PutRetentionPolicy sets how many days a group keeps its events.
func (s *Store) PutRetentionPolicy(in PutRetentionPolicyInput) error {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return err
	}
	okDays := false
	for _, d := range retentionValues {
		okDays = okDays || d == in.RetentionInDays
	}
	if !okDays {
		return invalid("1 validation error detected: Value '%d' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: %v", in.RetentionInDays, retentionValues)
	}
	return s.setRetention(in.LogGroupName, in.RetentionInDays)
}

// DeleteRetentionPolicy makes a group keep its events without age limit.
func (s *Store) DeleteRetentionPolicy(in DeleteRetentionPolicyInput) error {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return err
	}
	return s.setRetention(in.LogGroupName, 0)
}

func (s *Store) setRetention(name string, days int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[name]
	if !ok {
		return groupNotFound()
	}
	old := g.retentionDays
	g.retentionDays = days
	if err := s.persistGroup(g); err != nil {
		g.retentionDays = old
		return err
	}
	return nil
}

// cutoff is the oldest timestamp a group keeps (0: no age limit). Call
// with s.mu held.
func (s *Store) cutoff(g *group, now int64) int64 {
	var d time.Duration
	if g.retentionDays > 0 {
		d = time.Duration(g.retentionDays) * 24 * time.Hour
	}
	if s.retention > 0 && (d == 0 || s.retention < d) {
		d = s.retention
	}
	if d == 0 {
		return 0
	}
	return now - d.Milliseconds()
}

// lookup finds a stream and the cutoff of its group.
func (s *Store) lookup(groupName, streamName string) (*stream, int64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, ok := s.groups[groupName]
	if !ok {
		return nil, 0, groupNotFound()
	}
	st, ok := g.streams[streamName]
	if !ok {
		return nil, 0, streamNotFound()
	}
	return st, s.cutoff(g, s.nowMillis()), nil
}

// CreateLogStream creates a stream in an existing group.
func (s *Store) CreateLogStream(in CreateLogStreamInput) error {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return err
	}
	if err := checkStreamName(in.LogStreamName); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[in.LogGroupName]
	if !ok {
		return groupNotFound()
	}
	if _, ok := g.streams[in.LogStreamName]; ok {
		return &Error{Code: CodeResourceAlreadyExists, Message: msgStreamExists}
	}
	s.nextStreamID++
	st := &stream{group: g.name, name: in.LogStreamName, id: s.nextStreamID, created: s.nowMillis()}
	if err := s.persistStream(st); err != nil {
		s.nextStreamID--
		return err
	}
	g.streams[st.name] = st
	return nil
}

// DeleteLogStream deletes a stream and its events.
func (s *Store) DeleteLogStream(in DeleteLogStreamInput) error {
	if err := checkGroupName("logGroupName", in.LogGroupName); err != nil {
		return err
	}
	if err := checkStreamName(in.LogStreamName); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[in.LogGroupName]
	if !ok {
		return groupNotFound()
	}
	st, ok := g.streams[in.LogStreamName]
	if !ok {
		return streamNotFound()
	}
	if err := s.unpersistStream(st); err != nil {
		return err
	}
	delete(g.streams, st.name)
	st.markDeleted()
	return nil
}

// GroupExists reports whether a log group exists.
func (s *Store) GroupExists(name string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.groups[name]
	return ok
}
