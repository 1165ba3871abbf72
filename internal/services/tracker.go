package services

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ecskit/ecs/types"
)

// serviceTracker tells the service scheduler which services to visit, so
// that a round costs the services that changed, not every service of
// every cluster. A service is due when its record, one of its tasks, or
// an instance it runs on changed (any instance of its cluster for a
// DAEMON service or one short of tasks), when the agent of an instance it
// runs on connects or disconnects, and when a timer its last pass asked
// for expires. Everything is due after start and whenever the store's
// watch had to restart. The tracker only ever adds work: a missed event
// costs a pass, never a wrong decision, since every pass reads the store.
type serviceTracker struct {
	mu    sync.Mutex
	full  bool
	dirty map[serviceRef]bool
	info  map[serviceRef]*passResult
	owner map[string]serviceRef         // "cluster/taskID" → its service
	on    map[string]map[serviceRef]int // "cluster/instanceID" → services with tasks there
	seen  map[string]bool               // "cluster/instanceID" → agent connected at the last sweep
	// daemons are the DAEMON services, known from their records as soon
	// as the watch delivers them (before their first pass).
	daemons map[serviceRef]bool
	// roomy are, by cluster, the services any instance change concerns:
	// DAEMON services and hungry ones.
	roomy map[string]map[serviceRef]bool
	kick  chan struct{}
}

// serviceRef names a service.
type serviceRef struct{ cluster, name string }

// passResult is what a pass tells the tracker.
type passResult struct {
	next   time.Time
	daemon bool
	// hungry is set while the service is not at its desired state: it may
	// want room on any instance.
	hungry bool
	// tasks are the tracked tasks' instances, by task ID.
	tasks map[string]string
	gone  bool // the service is INACTIVE or deleted
}

func newServiceTracker() *serviceTracker {
	return &serviceTracker{full: true, dirty: map[serviceRef]bool{}, info: map[serviceRef]*passResult{},
		owner: map[string]serviceRef{}, on: map[string]map[serviceRef]int{}, seen: map[string]bool{},
		daemons: map[serviceRef]bool{}, roomy: map[string]map[serviceRef]bool{}, kick: make(chan struct{}, 1)}
}

// wake tells the scheduler there is work.
func (tr *serviceTracker) wake() {
	select {
	case tr.kick <- struct{}{}:
	default:
	}
}

// all makes every service due (after start, or a watch restart).
func (tr *serviceTracker) all() {
	tr.mu.Lock()
	tr.full = true
	tr.mu.Unlock()
	tr.wake()
}

// observe marks the services a changed store record concerns (value is
// nil for a deletion).
func (tr *serviceTracker) observe(key string, value []byte) {
	kind, rest, ok := strings.Cut(key, "/")
	if !ok {
		return
	}
	cluster, id, ok := strings.Cut(rest, "/")
	if !ok {
		return
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	n := len(tr.dirty)
	switch kind {
	case "services":
		s := serviceRef{cluster, id}
		tr.dirty[s] = true
		// A service's scheduling strategy never changes: its record is
		// decoded once, not on every write.
		if _, known := tr.daemons[s]; value != nil && !known {
			tr.daemons[s] = isDaemonRecord(value)
			tr.setRoomy(s, tr.daemons[s])
		}
	case "tasks":
		if s, ok := tr.owner[rest]; ok {
			tr.dirty[s] = true
		}
	case "instances":
		for s := range tr.on[rest] {
			tr.dirty[s] = true
		}
		for s := range tr.roomy[cluster] {
			tr.dirty[s] = true
		}
	default:
		return
	}
	if len(tr.dirty) > n {
		select {
		case tr.kick <- struct{}{}:
		default:
		}
	}
}

// sweep marks the services on instances whose agent connected or
// disconnected since the last sweep.
func (tr *serviceTracker) sweep(connected func(cluster, id string) bool) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for inst, svcs := range tr.on {
		cluster, id, _ := strings.Cut(inst, "/")
		c := connected(cluster, id)
		if was, ok := tr.seen[inst]; ok && was == c {
			continue
		}
		tr.seen[inst] = c
		for s := range svcs {
			tr.dirty[s] = true
		}
	}
}

// take returns the services due at now, DAEMON ones first, and clears
// them; full reports that every service is due (the caller lists them).
func (tr *serviceTracker) take(now time.Time) (due []serviceRef, full bool) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.full {
		tr.full = false
		clear(tr.dirty)
		return nil, true
	}
	for s, in := range tr.info {
		if !in.next.IsZero() && !now.Before(in.next) {
			tr.dirty[s] = true
		}
	}
	for s := range tr.dirty {
		due = append(due, s)
	}
	clear(tr.dirty)
	slices.SortFunc(due, func(a, b serviceRef) int {
		da, db := tr.daemons[a], tr.daemons[b]
		if da != db {
			if da {
				return -1
			}
			return 1
		}
		if c := strings.Compare(a.cluster, b.cluster); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	return due, false
}

// next is the earliest timer of any service.
func (tr *serviceTracker) next() time.Time {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var next time.Time
	for _, in := range tr.info {
		if !in.next.IsZero() && (next.IsZero() || in.next.Before(next)) {
			next = in.next
		}
	}
	return next
}

// record keeps what a pass found out about a service.
func (tr *serviceTracker) record(s serviceRef, r passResult) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	old := tr.info[s]
	if old != nil {
		for id, inst := range old.tasks {
			if r.tasks[id] == inst && !r.gone {
				continue
			}
			delete(tr.owner, s.cluster+"/"+id)
			tr.unplace(s, s.cluster+"/"+inst)
		}
	}
	if r.gone {
		delete(tr.info, s)
		delete(tr.daemons, s)
		tr.setRoomy(s, false)
		return
	}
	tr.daemons[s] = r.daemon
	tr.setRoomy(s, r.daemon || r.hungry)
	for id, inst := range r.tasks {
		if old != nil && old.tasks[id] == inst {
			continue
		}
		tr.owner[s.cluster+"/"+id] = s
		k := s.cluster + "/" + inst
		if tr.on[k] == nil {
			tr.on[k] = map[serviceRef]int{}
		}
		tr.on[k][s]++
	}
	tr.info[s] = &r
}

// setRoomy adds s to, or removes it from, its cluster's services that any
// instance change concerns.
func (tr *serviceTracker) setRoomy(s serviceRef, on bool) {
	m := tr.roomy[s.cluster]
	switch {
	case on && m == nil:
		tr.roomy[s.cluster] = map[serviceRef]bool{s: true}
	case on:
		m[s] = true
	case m != nil:
		delete(m, s)
		if len(m) == 0 {
			delete(tr.roomy, s.cluster)
		}
	}
}

// unplace drops one task of s from an instance.
func (tr *serviceTracker) unplace(s serviceRef, inst string) {
	m := tr.on[inst]
	if m[s]--; m[s] <= 0 {
		delete(m, s)
	}
	if len(m) == 0 {
		delete(tr.on, inst)
		delete(tr.seen, inst)
	}
}

// isDaemonRecord reports whether a stored service record is of a DAEMON
// service.
func isDaemonRecord(value []byte) bool {
	var kind struct {
		Service struct {
			SchedulingStrategy string `json:"schedulingStrategy"`
		} `json:"service"`
	}
	return json.Unmarshal(value, &kind) == nil && kind.Service.SchedulingStrategy == types.SchedulingStrategyDaemon
}
