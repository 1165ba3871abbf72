package ecs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ecskit/ecs/internal/reconcile"
	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/placement"
	"github.com/ecskit/ecs/store"
)

// maxServiceEvents is how many events a service keeps (newest first).
const maxServiceEvents = 100

// stickyRepeat is how long a repeated event (placement failure,
// throttling, a stuck deployment) stays suppressed while its cause is unchanged.
const stickyRepeat = reconcile.StickyRepeat

// stickyPlacement is the kind of the repeated placement-failure event
// (the reconciler names the others).
const stickyPlacement = reconcile.StickyPlacement

// stickyEvent remembers the last event of a repeated kind.
type stickyEvent struct {
	Message string `json:"message"`
	At      Time   `json:"at"`
}

// serviceEventLog is a service's event log, newest first. It is stored
// apart from the service record, which every scheduler pass reads, and is
// touched only when there is something to add.
type serviceEventLog struct {
	Events []ServiceEvent `json:"events"`
}

func serviceEventsKey(cluster, name string) string { return "serviceevents/" + cluster + "/" + name }

// addEvent queues an event; flushEvents stores it.
func (cp *ControlPlane) addEvent(rec *serviceRecord, msg string) {
	rec.newEvents = append(rec.newEvents, ServiceEvent{Id: uuid(cp.newID()), CreatedAt: cp.now(), Message: msg})
}

// flushEvents adds the queued events to the log, newest first, keeping at
// most 100.
func (cp *ControlPlane) flushEvents(tx store.Tx, rec *serviceRecord) error {
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
	if len(log.Events) > maxServiceEvents {
		log.Events = log.Events[:maxServiceEvents]
	}
	rec.newEvents = nil
	return record.Put(tx, key, &log)
}

// serviceEvents reads a service's event log.
func (cp *ControlPlane) serviceEvents(tx store.Tx, rec *serviceRecord) ([]ServiceEvent, error) {
	var log serviceEventLog
	if _, err := record.Get(tx, serviceEventsKey(rec.Cluster, rec.Service.ServiceName), &log); err != nil {
		return nil, err
	}
	events := slices.Clone(rec.newEvents)
	slices.Reverse(events)
	events = append(events, log.Events...)
	if len(events) > maxServiceEvents {
		events = events[:maxServiceEvents]
	}
	if events == nil {
		events = []ServiceEvent{}
	}
	return events, nil
}

// addSticky records an event of a repeated kind unless the same message was
// recorded for that kind less than six hours ago.
func (cp *ControlPlane) addSticky(rec *serviceRecord, kind, msg string) {
	now := cp.now()
	if s, ok := rec.Sticky[kind]; ok && s.Message == msg && now.Sub(s.At.Time) < stickyRepeat {
		return
	}
	if rec.Sticky == nil {
		rec.Sticky = map[string]stickyEvent{}
	}
	rec.Sticky[kind] = stickyEvent{Message: msg, At: now}
	cp.addEvent(rec, msg)
}

// clearSticky forgets a repeated event whose cause is gone, so that it is
// reported again if the cause returns.
func clearSticky(rec *serviceRecord, kind string) {
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
