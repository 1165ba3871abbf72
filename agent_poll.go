package ecs

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync/atomic"
	"time"

	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/store"
)

// PollTasks hands an agent the desired state of its instance's tasks. With
// AfterRevision set it waits (up to WaitSeconds, default 20) until one of
// them changes: only a change of this instance's tasks wakes it. With
// Incremental set too, the answer lists only the tasks that changed after
// AfterRevision, and names in Removed those that left the list; an answer
// that could not be incremental says so (Incremental false) and lists
// every task. Every call counts as the agent's heartbeat: the instance is
// agentConnected while calls keep coming.
func (cp *ControlPlane) PollTasks(ctx context.Context, in *PollTasksInput) (*PollTasksOutput, error) {
	cluster, instID, err := cp.pollInstance(ctx, in)
	if err != nil {
		return nil, err
	}
	arn := cp.instanceARN(cluster, instID)
	cp.agents.Begin(arn)
	defer cp.agents.End(arn)
	cp.heartbeat(ctx, cluster, instID)

	wait := time.Duration(in.WaitSeconds) * time.Second
	if wait <= 0 {
		wait = 20 * time.Second
	}
	timer := cp.clock.NewTimer(wait)
	defer timer.Stop()
	for {
		q, woken := cp.cache.pollQuery(cluster, instID, in.AfterRevision, in.Incremental)
		if q.ready || in.AfterRevision == 0 {
			return cp.pollAnswer(ctx, cluster, q)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timer.C():
			return cp.pollAnswer(ctx, cluster, q)
		case <-woken:
		}
	}
}

// pollInstance resolves the instance a poll names; it must not be
// INACTIVE. The cache answers for instances it knows (INACTIVE is for
// good, so only a deregistration a moment old can slip through, and its
// agent learns at its next poll); the store for the others.
func (cp *ControlPlane) pollInstance(ctx context.Context, in *PollTasksInput) (cluster, id string, err error) {
	cluster, err = cp.clusterName(in.Cluster)
	if err != nil {
		return "", "", err
	}
	c, id, err := cp.leafID("container-instance", in.ContainerInstance)
	if err != nil {
		return "", "", err
	}
	if c != "" && c != cluster {
		return "", "", invalidParam("Container instance %q is not in cluster %q.", in.ContainerInstance, cluster)
	}
	status, known := cp.cache.instanceStatus(cluster, id)
	if !known {
		err = cp.store.View(ctx, func(tx store.Tx) error {
			rec, err := cp.lookupInstance(tx, cluster, id)
			if err == nil {
				status = rec.Status
			}
			return err
		})
		if err != nil {
			return "", "", err
		}
	}
	if status == StatusInactive {
		return "", "", errorf(InactiveInstanceException, "Container instance %s is INACTIVE.", in.ContainerInstance)
	}
	return cluster, id, nil
}

// instanceStatus returns an instance's status as the cache knows it.
func (c *cache) instanceStatus(cluster, id string) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	in := c.lookupInst(cluster, id)
	if in == nil || in.rec == nil {
		return "", false
	}
	return in.rec.Status, true
}

// pollQuery is what a poll answers, as the cache knows it.
type pollQuery struct {
	ids         []string // tasks to send, sorted
	removed     []string // tasks that left the list (incremental answers)
	rev         int64
	seen        int64 // the newest store revision the cache had applied
	incremental bool
	ready       bool // something changed after the poll's revision
}

// pollQuery finds what a poll of an instance after revision after must
// answer, and the channel closed at the instance's next change.
func (c *cache) pollQuery(cluster, instID string, after int64, incremental bool) (pollQuery, <-chan struct{}) {
	c.mu.RLock()
	in := c.lookupInst(cluster, instID)
	if in == nil {
		c.mu.RUnlock()
		c.mu.Lock()
		c.cluster(cluster).inst(instID)
		c.mu.Unlock()
		c.mu.RLock()
		in = c.lookupInst(cluster, instID)
	}
	defer c.mu.RUnlock()
	q := pollQuery{rev: max(c.maxSeen, in.maxVersion), seen: c.maxSeen}
	foreign := after < c.fullPoll || after > c.hi.Load()
	full := !incremental || after <= 0 || foreign
	changed := in.maxVersion > after
	if full {
		for id, t := range in.tasks {
			if t.last != TaskStatusStopped {
				q.ids = append(q.ids, id)
			}
		}
		sort.Strings(q.ids)
	} else {
		for _, id := range in.since(after) {
			if t := in.tasks[id]; t != nil && t.last != TaskStatusStopped {
				q.ids = append(q.ids, id)
			} else {
				q.removed = append(q.removed, id)
			}
		}
	}
	q.incremental = !full
	q.ready = changed || incremental && foreign
	atomicMax(&in.answered, q.rev)
	atomicMax(&c.hi, q.rev)
	return q, in.wake
}

func (c *cache) lookupInst(cluster, id string) *instEntry {
	if cl := c.clusters[cluster]; cl != nil {
		return cl.insts[id]
	}
	return nil
}

func atomicMax(v *atomic.Int64, n int64) {
	for {
		old := v.Load()
		if n <= old || v.CompareAndSwap(old, n) {
			return
		}
	}
}

// pollAnswer reads the tasks of a poll's answer from the store, at a
// revision no older than the cache's: a store may deliver a revision's
// events a moment before its readers see it.
func (cp *ControlPlane) pollAnswer(ctx context.Context, cluster string, q pollQuery) (*PollTasksOutput, error) {
	return cp.pollAnswerAttempt(ctx, cluster, q, 0)
}

func (cp *ControlPlane) pollAnswerAttempt(ctx context.Context, cluster string, q pollQuery, attempt int) (*PollTasksOutput, error) {
	out := &PollTasksOutput{Tasks: []AssignedTask{}, Revision: q.rev, Incremental: q.incremental}
	for _, id := range q.removed {
		out.Removed = append(out.Removed, cp.taskARN(cluster, id))
	}
	if len(q.ids) == 0 {
		return out, nil
	}
	const retries = 1000
	err := cp.store.View(ctx, func(tx store.Tx) error {
		if tx.Revision() < q.seen {
			return errStoreBehind
		}
		for _, id := range q.ids {
			t, found, err := cp.getTask(tx, cluster, id)
			if err != nil {
				return err
			}
			if !found || t.Task.LastStatus == TaskStatusStopped {
				if q.incremental {
					out.Removed = append(out.Removed, cp.taskARN(cluster, id))
				}
				continue
			}
			key := record.TaskDefinitionKey(t.Family, t.Revision)
			td := cp.cache.taskDefinition(key)
			if td == nil {
				var rec record.TaskDefinition
				if _, err := record.Get(tx, key, &rec); err != nil {
					return err
				}
				td = &rec.TaskDefinition
			}
			out.Tasks = append(out.Tasks, AssignedTask{Task: &t.Task, TaskDefinition: td})
		}
		return nil
	})
	if errors.Is(err, errStoreBehind) {
		if attempt < retries {
			time.Sleep(50 * time.Microsecond)
			return cp.pollAnswerAttempt(ctx, cluster, q, attempt+1)
		}
		return nil, fmt.Errorf("ecs: the store stays behind revision %d", q.seen)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

var errStoreBehind = errors.New("ecs: store behind the cache")
