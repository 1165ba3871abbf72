package services

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ecskit/ecs/internal/arn"
	"github.com/ecskit/ecs/internal/reconcile"
	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/placement"
	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/types"
)

// MaxEvents is how many events a service keeps (newest first).
const MaxEvents = 100

// stickyRepeat is how long a repeated event (placement failure,
// throttling, a stuck deployment) stays suppressed while its cause is unchanged.
const stickyRepeat = reconcile.StickyRepeat

// stickyPlacement is the kind of the repeated placement-failure event
// (the reconciler names the others).
const stickyPlacement = reconcile.StickyPlacement

// StickyEvent remembers the last event of a repeated kind.
type StickyEvent struct {
	Message string     `json:"message"`
	At      types.Time `json:"at"`
}

// serviceEventLog is a service's event log, newest first. It is stored
// apart from the service record, which every scheduler pass reads, and is
// touched only when there is something to add.
type serviceEventLog struct {
	Events []types.ServiceEvent `json:"events"`
}

func serviceEventsKey(cluster, name string) string { return "serviceevents/" + cluster + "/" + name }

// addEvent queues an event; flushEvents stores it.
func (sc *Scheduler) addEvent(rec *Record, msg string) {
	rec.newEvents = append(rec.newEvents, types.ServiceEvent{Id: arn.UUID(sc.cp.NewID()), CreatedAt: sc.now(), Message: msg})
}

// flushEvents adds the queued events to the log, newest first, keeping at
// most 100.
func (sc *Scheduler) flushEvents(tx store.Tx, rec *Record) error {
	if len(rec.newEvents) == 0 {
		return nil
	}
	key := serviceEventsKey(rec.Cluster, rec.Service.ServiceName)
	var log serviceEventLog
	if _, err := record.Get(tx, key, &log); err != nil {
		return err
	}
	fresh := slices.Clone(rec.newEvents)
	slices.Reverse(fresh)
	log.Events = append(fresh, log.Events...)
	if len(log.Events) > MaxEvents {
		log.Events = log.Events[:MaxEvents]
	}
	rec.newEvents = nil
	return record.Put(tx, key, &log)
}

// serviceEvents reads a service's event log.
func (sc *Scheduler) serviceEvents(tx store.Tx, rec *Record) ([]types.ServiceEvent, error) {
	var log serviceEventLog
	if _, err := record.Get(tx, serviceEventsKey(rec.Cluster, rec.Service.ServiceName), &log); err != nil {
		return nil, err
	}
	events := slices.Clone(rec.newEvents)
	slices.Reverse(events)
	events = append(events, log.Events...)
	if len(events) > MaxEvents {
		events = events[:MaxEvents]
	}
	if events == nil {
		events = []types.ServiceEvent{}
	}
	return events, nil
}

// addSticky records an event of a repeated kind unless the same message was
// recorded for that kind less than six hours ago.
func (sc *Scheduler) addSticky(rec *Record, kind, msg string) {
	now := sc.now()
	if s, ok := rec.Sticky[kind]; ok && s.Message == msg && now.Sub(s.At.Time) < stickyRepeat {
		return
	}
	if rec.Sticky == nil {
		rec.Sticky = map[string]StickyEvent{}
	}
	rec.Sticky[kind] = StickyEvent{Message: msg, At: now}
	sc.addEvent(rec, msg)
}

// clearSticky forgets a repeated event whose cause is gone, so that it is
// reported again if the cause returns.
func clearSticky(rec *Record, kind string) {
	delete(rec.Sticky, kind)
}

func taskList(ids []string) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = "(task " + id + ")"
	}
	return strings.Join(parts, " ")
}

func msgStarted(svc string, ids []string) string {
	return fmt.Sprintf("(service %s) has started %d tasks: %s.", svc, len(ids), taskList(ids))
}

func msgStopped(svc string, ids []string) string {
	return fmt.Sprintf("(service %s) has stopped %d running tasks: %s.", svc, len(ids), taskList(ids))
}

// msgUnplaced is ECS's event for a task no instance could take, naming the
// closest matching instance and why it failed.
func msgUnplaced(svc string, f *placement.Failure) string {
	var detail string
	if f == nil || f.ARN == "" {
		detail = "Reason: No Container Instances were found in your cluster."
	} else {
		id := f.ARN[strings.LastIndex(f.ARN, "/")+1:]
		closest := "The closest matching (container-instance " + id + ")"
		switch f.Reason {
		case placement.ReasonCPU:
			detail = closest + " has insufficient CPU units available."
		case placement.ReasonMemory:
			detail = closest + " has insufficient memory available."
		case placement.ReasonPorts, placement.ReasonPortsUDP:
			detail = closest + " is already using a port required by your task."
		case placement.ReasonAgent:
			detail = closest + " doesn't have the agent connected."
		case placement.ReasonAttribute:
			detail = closest + " is missing an attribute required by your task."
		default:
			detail = closest + " encountered error \"" + f.Reason + "\"."
		}
	}
	return fmt.Sprintf("(service %s) was unable to place a task because no container instance met all of its requirements. %s For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.", svc, detail)
}
