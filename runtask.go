package ecs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"

	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/placement"
	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/taskdef"
)

var startedByRE = regexp.MustCompile(`^[A-Za-z0-9_/-]*$`)

// RunTask places and starts count (1–10) tasks of a task definition,
// reserving their resources in the same transaction that creates them.
// Tasks that cannot be placed are reported as failures naming the closest
// matching instance and ECS's reason.
func (cp *ControlPlane) RunTask(ctx context.Context, in *RunTaskInput) (*RunTaskOutput, error) {
	defer cp.notePlacementChange(ctx)
	count := int64(1)
	if in.Count != nil {
		count = *in.Count
	}
	if count < 1 || count > 10 {
		return nil, &Error{Code: InvalidParameterException, Field: "count", Message: "Count must be between 1 and 10."}
	}
	if err := checkLaunch(in.TaskDefinition, in.StartedBy, 128, in.Group, in.LaunchType, in.PropagateTags, in.Tags); err != nil {
		return nil, err
	}
	if len(in.ClientToken) > 64 {
		return nil, &Error{Code: InvalidParameterException, Field: "clientToken", Message: "clientToken must be at most 64 characters."}
	}
	out := &RunTaskOutput{Tasks: []Task{}, Failures: []Failure{}}
	cp.awaitPlacement(ctx)
	err := cp.store.Update(ctx, func(tx store.Tx) error {
		out.Tasks, out.Failures = out.Tasks[:0], out.Failures[:0]
		cl, err := cp.activeCluster(tx, in.Cluster)
		if err != nil {
			return err
		}
		if in.ClientToken != "" {
			done, err := cp.replayClientToken(tx, cl.Name, in, out)
			if err != nil || done {
				return err
			}
		}
		l, err := cp.prepareLaunch(tx, in.TaskDefinition, in.Overrides, in.Group, int(count), in.PlacementConstraints, in.PlacementStrategy, in.PropagateTags, in.Tags)
		if err != nil {
			return err
		}
		placed, failures, err := cp.placeTasks(tx, cl.Name, l.td, in.Overrides, l.req, in.StartedBy, l.tags, "")
		if err != nil {
			return err
		}
		for _, t := range placed {
			out.Tasks = append(out.Tasks, t.Task)
		}
		out.Failures = append(out.Failures, failures...)
		if in.ClientToken != "" {
			return cp.saveClientToken(tx, cl.Name, in, placed)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// launch is what RunTask and StartTask resolve before they place tasks.
type launch struct {
	td   *TaskDefinition
	req  placement.Request
	tags []Tag
}

// prepareLaunch resolves the task definition (it must be ACTIVE), checks
// the overrides, and builds the placement request and the tasks' tags.
func (cp *ControlPlane) prepareLaunch(tx store.Tx, tdRef string, ov *TaskOverride, group string, count int, cons []PlacementConstraint, strat []PlacementStrategy, propagate string, tags []Tag) (*launch, error) {
	td, err := cp.launchableTaskDefinition(tx, tdRef, InvalidParameterException)
	if err != nil {
		return nil, err
	}
	if err := ValidateTaskOverride(td, ov); err != nil {
		return nil, err
	}
	if group == "" {
		group = "family:" + td.Family
	}
	req, err := placementRequest(td, ov, group, count, cons, strat, nil)
	if err != nil {
		return nil, err
	}
	req.Seed = cp.seed()
	if propagate == "TASK_DEFINITION" {
		tags = append(cp.taskDefinitionTags(tx, td), tags...)
	}
	return &launch{td: td, req: req, tags: tags}, nil
}

// checkLaunch validates the parameters RunTask and StartTask share.
func checkLaunch(taskDef, startedBy string, startedByMax int, group, launchType, propagate string, tags []Tag) error {
	if taskDef == "" {
		return &Error{Code: InvalidParameterException, Field: "taskDefinition", Message: "TaskDefinition cannot be empty."}
	}
	if len(startedBy) > startedByMax || !startedByRE.MatchString(startedBy) {
		return &Error{Code: InvalidParameterException, Field: "startedBy",
			Message: "startedBy must be at most " + itoa(int64(startedByMax)) + " letters, numbers, hyphens, forward slashes and underscores."}
	}
	if len(group) > 255 {
		return &Error{Code: InvalidParameterException, Field: "group", Message: "group must be at most 255 characters."}
	}
	switch launchType {
	case "", "EC2", "EXTERNAL":
	case "FARGATE":
		return &Error{Code: InvalidParameterException, Field: "launchType", Message: "The FARGATE launch type is not supported by ecskit."}
	default:
		return &Error{Code: InvalidParameterException, Field: "launchType", Message: "Invalid launchType " + launchType + "."}
	}
	switch propagate {
	case "", "TASK_DEFINITION", "NONE":
	case "SERVICE":
		return &Error{Code: InvalidParameterException, Field: "propagateTags", Message: "The SERVICE value of propagateTags is only valid for tasks launched by a service."}
	default:
		return &Error{Code: InvalidParameterException, Field: "propagateTags", Message: "Invalid propagateTags " + propagate + "."}
	}
	return validateTags(tags)
}

// placementRequest turns a task definition and the launch's constraints
// and strategies into a placement request.
func placementRequest(td *TaskDefinition, ov *TaskOverride, group string, count int, cons []PlacementConstraint, strat []PlacementStrategy, defaultStrategy []placement.Strategy) (placement.Request, error) {
	cpu, mem, ports, udp := taskdef.Requirements(td, ov)
	req := placement.Request{Group: group, Count: count, CPU: cpu, Memory: mem, Ports: ports, PortsUDP: udp}
	for _, a := range td.RequiresAttributes {
		req.RequiredAttributes = append(req.RequiredAttributes, placement.Attribute{Name: a.Name, Value: a.Value})
	}
	for _, c := range td.PlacementConstraints {
		req.Constraints = append(req.Constraints, placement.Constraint{Type: placement.ConstraintType(c.Type), Expression: c.Expression})
	}
	for _, c := range cons {
		req.Constraints = append(req.Constraints, placement.Constraint{Type: placement.ConstraintType(c.Type), Expression: c.Expression})
	}
	for _, s := range strat {
		req.Strategies = append(req.Strategies, placement.Strategy{Type: placement.StrategyType(s.Type), Field: s.Field})
	}
	if len(strat) == 0 {
		req.Strategies = defaultStrategy
	}
	if err := validatePlacement(req); err != nil {
		return req, err
	}
	return req, nil
}

func cloneOverride(ov *TaskOverride) *TaskOverride {
	if ov == nil {
		return nil
	}
	b, _ := json.Marshal(ov)
	var c TaskOverride
	_ = json.Unmarshal(b, &c)
	return &c
}

// clientTokenRecord remembers a RunTask call for idempotent retries.
type clientTokenRecord struct {
	Hash    string   `json:"hash"`
	TaskIDs []string `json:"taskIds"`
}

func runTaskHash(in *RunTaskInput) string {
	c := *in
	c.ClientToken = ""
	b, _ := json.Marshal(&c)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// replayClientToken answers a retried RunTask from its first answer; it
// reports done when it did.
func (cp *ControlPlane) replayClientToken(tx store.Tx, cluster string, in *RunTaskInput, out *RunTaskOutput) (bool, error) {
	var rec clientTokenRecord
	found, err := record.Get(tx, "clienttokens/"+cluster+"/"+in.ClientToken, &rec)
	if err != nil || !found {
		return false, err
	}
	if rec.Hash != runTaskHash(in) {
		return false, errorf(ConflictException, "The clientToken was already used with different parameters.")
	}
	for _, id := range rec.TaskIDs {
		t, err := cp.lookupTask(tx, cluster, id)
		if err != nil {
			return false, err
		}
		out.Tasks = append(out.Tasks, t.Task)
	}
	return true, nil
}

func (cp *ControlPlane) saveClientToken(tx store.Tx, cluster string, in *RunTaskInput, placed []*record.Task) error {
	rec := clientTokenRecord{Hash: runTaskHash(in)}
	for _, t := range placed {
		rec.TaskIDs = append(rec.TaskIDs, t.ID)
	}
	return record.Put(tx, "clienttokens/"+cluster+"/"+in.ClientToken, &rec)
}

// StartTask starts one task on each named instance (up to 10), subject to
// the same resource checks as RunTask.
func (cp *ControlPlane) StartTask(ctx context.Context, in *StartTaskInput) (*StartTaskOutput, error) {
	defer cp.notePlacementChange(ctx)
	if len(in.ContainerInstances) == 0 || len(in.ContainerInstances) > 10 {
		return nil, &Error{Code: InvalidParameterException, Field: "containerInstances", Message: "containerInstances must have between 1 and 10 items."}
	}
	if err := checkLaunch(in.TaskDefinition, in.StartedBy, 36, in.Group, "", in.PropagateTags, in.Tags); err != nil {
		return nil, err
	}
	out := &StartTaskOutput{Tasks: []Task{}, Failures: []Failure{}}
	err := cp.store.Update(ctx, func(tx store.Tx) error {
		out.Tasks, out.Failures = out.Tasks[:0], out.Failures[:0]
		cl, err := cp.activeCluster(tx, in.Cluster)
		if err != nil {
			return err
		}
		l, err := cp.prepareLaunch(tx, in.TaskDefinition, in.Overrides, in.Group, 1, nil, nil, in.PropagateTags, in.Tags)
		if err != nil {
			return err
		}
		td, req := l.td, l.req
		for _, ref := range in.ContainerInstances {
			inst, err := cp.lookupInstance(tx, cl.Name, ref)
			if err != nil {
				out.Failures = append(out.Failures, Failure{Arn: ref, Reason: "MISSING"})
				continue
			}
			arn := cp.instanceARN(cl.Name, inst.ID)
			if inst.Status == StatusInactive {
				out.Failures = append(out.Failures, Failure{Arn: arn, Reason: "INACTIVE"})
				continue
			}
			req.Seed = cp.seed()
			res, err := placement.Place(placement.Snapshot{Instances: []placement.Instance{cp.placementInstance(inst)}}, req)
			if err != nil {
				return &Error{Code: InvalidParameterException, Message: err.Error(), Err: err}
			}
			if len(res.Decisions) == 0 {
				for _, f := range res.Failures {
					out.Failures = append(out.Failures, Failure{Arn: arn, Reason: f.Reason, Detail: f.Explanation})
				}
				continue
			}
			t := cp.newTask(cl.Name, inst, td, cloneOverride(in.Overrides), req.Group, in.StartedBy, l.tags)
			inst.Reserve(t)
			record.Settle(inst, t)
			if err := cp.putTask(tx, t); err != nil {
				return err
			}
			if err := record.Put(tx, record.InstanceKey(cl.Name, inst.ID), inst); err != nil {
				return err
			}
			out.Tasks = append(out.Tasks, t.Task)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
