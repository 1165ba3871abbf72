package ecs

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/ecskit/ecs/internal/paginate"
	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/store"
)

// RegisterTaskDefinition validates and normalises a task definition and
// registers it as the family's next revision.
func (cp *ControlPlane) RegisterTaskDefinition(ctx context.Context, in *RegisterTaskDefinitionInput) (*RegisterTaskDefinitionOutput, error) {
	td, err := NormalizeTaskDefinition(in)
	if err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	err = cp.store.Update(ctx, func(tx store.Tx) error {
		var fam record.Family
		if _, err := record.Get(tx, record.FamilyKey(td.Family), &fam); err != nil {
			return err
		}
		if fam.LastRevision >= 1000000 {
			return clientErr("Too many revisions for family %s.", td.Family)
		}
		fam.Name = td.Family
		fam.LastRevision++
		td.Revision = fam.LastRevision
		td.TaskDefinitionArn = cp.taskDefinitionARN(td.Family, td.Revision)
		td.Status = TaskDefinitionStatusActive
		td.RegisteredAt = cp.now()
		td.RegisteredBy = "arn:aws:iam::" + cp.account + ":root"
		if err := record.Put(tx, record.FamilyKey(td.Family), &fam); err != nil {
			return err
		}
		return record.Put(tx, record.TaskDefinitionKey(td.Family, td.Revision), &record.TaskDefinition{TaskDefinition: *td, Tags: in.Tags})
	})
	if err != nil {
		return nil, err
	}
	tags := in.Tags
	if tags == nil {
		tags = []Tag{}
	}
	return &RegisterTaskDefinitionOutput{TaskDefinition: td, Tags: tags}, nil
}

// parseTaskDefinitionRef splits family, family:revision or an ARN; rev is
// 0 when absent.
func (cp *ControlPlane) parseTaskDefinitionRef(ref string) (family string, rev int64, ok bool) {
	if p, isARN := cp.resourceName("task-definition", ref); strings.HasPrefix(ref, "arn:") {
		if !isARN || len(p) != 1 {
			return "", 0, false
		}
		ref = p[0]
		if !strings.Contains(ref, ":") {
			return "", 0, false
		}
	}
	family, revs, hasRev := strings.Cut(ref, ":")
	if family == "" {
		return "", 0, false
	}
	if hasRev {
		n, err := strconv.ParseInt(revs, 10, 64)
		if err != nil || n < 1 {
			return "", 0, false
		}
		rev = n
	}
	return family, rev, true
}

// findTaskDefinition resolves a reference: family means the latest ACTIVE
// revision.
func (cp *ControlPlane) findTaskDefinition(tx store.Tx, ref string) (*record.TaskDefinition, error) {
	family, rev, ok := cp.parseTaskDefinitionRef(ref)
	if !ok {
		return nil, nil
	}
	if rev > 0 {
		var rec record.TaskDefinition
		found, err := record.Get(tx, record.TaskDefinitionKey(family, rev), &rec)
		if err != nil || !found {
			return nil, err
		}
		return &rec, nil
	}
	recs, err := record.List[record.TaskDefinition](tx, record.TaskDefinitionPrefix(family))
	if err != nil {
		return nil, err
	}
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].TaskDefinition.Status == TaskDefinitionStatusActive {
			return &recs[i], nil
		}
	}
	return nil, nil
}

// launchableTaskDefinition resolves a reference that a task or service
// will run: it must exist and be ACTIVE. inactiveCode is the exception for
// an INACTIVE revision (RunTask: InvalidParameterException, UpdateService:
// ClientException).
func (cp *ControlPlane) launchableTaskDefinition(tx store.Tx, ref string, inactiveCode Code) (*TaskDefinition, error) {
	rec, err := cp.findTaskDefinition(tx, ref)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, &Error{Code: ClientException, Field: "taskDefinition", Message: "TaskDefinition not found."}
	}
	if rec.TaskDefinition.Status != TaskDefinitionStatusActive {
		return nil, &Error{Code: inactiveCode, Field: "taskDefinition", Message: "TaskDefinition is inactive"}
	}
	return &rec.TaskDefinition, nil
}

func (cp *ControlPlane) taskDefinitionTags(tx store.Tx, td *TaskDefinition) []Tag {
	var rec record.TaskDefinition
	if found, err := record.Get(tx, record.TaskDefinitionKey(td.Family, td.Revision), &rec); err != nil || !found {
		return nil
	}
	return slices.Clone(rec.Tags)
}

// DescribeTaskDefinition describes a revision (family = latest ACTIVE).
func (cp *ControlPlane) DescribeTaskDefinition(ctx context.Context, in *DescribeTaskDefinitionInput) (*DescribeTaskDefinitionOutput, error) {
	var rec *record.TaskDefinition
	err := cp.store.View(ctx, func(tx store.Tx) error {
		var err error
		rec, err = cp.findTaskDefinition(tx, in.TaskDefinition)
		return err
	})
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, &Error{Code: ClientException, Field: "taskDefinition", Message: "Unable to describe task definition."}
	}
	out := &DescribeTaskDefinitionOutput{TaskDefinition: &rec.TaskDefinition}
	if slices.Contains(in.Include, "TAGS") {
		out.Tags = rec.Tags
		if out.Tags == nil {
			out.Tags = []Tag{}
		}
	}
	return out, nil
}

// ListTaskDefinitions lists revision ARNs by family and status, sorted by
// family then revision.
func (cp *ControlPlane) ListTaskDefinitions(ctx context.Context, in *ListTaskDefinitionsInput) (*ListTaskDefinitionsOutput, error) {
	status := in.Status
	switch status {
	case "":
		status = TaskDefinitionStatusActive
	case TaskDefinitionStatusActive, TaskDefinitionStatusInactive, TaskDefinitionStatusDeleteInProgress:
	default:
		return nil, &Error{Code: InvalidParameterException, Field: "status", Message: "Invalid status " + in.Status + "."}
	}
	if in.Sort != "" && in.Sort != "ASC" && in.Sort != "DESC" {
		return nil, &Error{Code: InvalidParameterException, Field: "sort", Message: "sort must be ASC or DESC."}
	}
	prefix := "taskdefs/"
	if in.FamilyPrefix != "" {
		prefix = record.TaskDefinitionPrefix(in.FamilyPrefix)
	}
	var keys []string
	err := cp.store.View(ctx, func(tx store.Tx) error {
		recs, err := tx.List(prefix)
		if err != nil {
			return err
		}
		for _, r := range recs {
			var rec record.TaskDefinition
			if _, err := record.Get(tx, r.Key, &rec); err != nil {
				return err
			}
			if rec.TaskDefinition.Status == status {
				keys = append(keys, r.Key)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if in.Sort == "DESC" {
		slices.Reverse(keys)
	}
	key := func(k string) string { return k }
	if in.Sort == "DESC" {
		// Pages follow the list order; encode the position instead.
		key = func(k string) string { return invertKey(k) }
		for i := range keys {
			keys[i] = invertKey(keys[i])
		}
	}
	pg, next, err := paginate.Page(keys, key, in.MaxResults, in.NextToken, 100)
	if err != nil {
		return nil, err
	}
	out := &ListTaskDefinitionsOutput{TaskDefinitionArns: []string{}, NextToken: next}
	for _, k := range pg {
		if in.Sort == "DESC" {
			k = invertKey(k)
		}
		rest := strings.TrimPrefix(k, "taskdefs/")
		fam, revs, _ := strings.Cut(rest, "/")
		rev, _ := strconv.ParseInt(revs, 10, 64)
		out.TaskDefinitionArns = append(out.TaskDefinitionArns, cp.taskDefinitionARN(fam, rev))
	}
	return out, nil
}

// invertKey maps each byte b to 255-b, so that descending keys sort
// ascending; it is its own inverse.
func invertKey(k string) string {
	b := []byte(k)
	for i := range b {
		b[i] = 255 - b[i]
	}
	return string(b)
}

// ListTaskDefinitionFamilies lists families by prefix; status ACTIVE means
// families with an ACTIVE revision, INACTIVE those without, ALL (default)
// both.
func (cp *ControlPlane) ListTaskDefinitionFamilies(ctx context.Context, in *ListTaskDefinitionFamiliesInput) (*ListTaskDefinitionFamiliesOutput, error) {
	switch in.Status {
	case "", "ALL", TaskDefinitionStatusActive, TaskDefinitionStatusInactive:
	default:
		return nil, &Error{Code: InvalidParameterException, Field: "status", Message: "Invalid status " + in.Status + "."}
	}
	var fams []string
	err := cp.store.View(ctx, func(tx store.Tx) error {
		recs, err := record.List[record.Family](tx, record.FamilyKey(in.FamilyPrefix))
		if err != nil {
			return err
		}
		for _, f := range recs {
			if in.Status == "" || in.Status == "ALL" {
				fams = append(fams, f.Name)
				continue
			}
			tds, err := record.List[record.TaskDefinition](tx, record.TaskDefinitionPrefix(f.Name))
			if err != nil {
				return err
			}
			active := slices.ContainsFunc(tds, func(r record.TaskDefinition) bool {
				return r.TaskDefinition.Status == TaskDefinitionStatusActive
			})
			if active == (in.Status == TaskDefinitionStatusActive) {
				fams = append(fams, f.Name)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	pg, next, err := paginate.Page(fams, func(s string) string { return s }, in.MaxResults, in.NextToken, 100)
	if err != nil {
		return nil, err
	}
	if pg == nil {
		pg = []string{}
	}
	return &ListTaskDefinitionFamiliesOutput{Families: pg, NextToken: next}, nil
}

// DeregisterTaskDefinition makes a revision INACTIVE: running tasks and
// services keep it, new launches cannot use it.
func (cp *ControlPlane) DeregisterTaskDefinition(ctx context.Context, in *DeregisterTaskDefinitionInput) (*DeregisterTaskDefinitionOutput, error) {
	family, rev, ok := cp.parseTaskDefinitionRef(in.TaskDefinition)
	if !ok || rev == 0 {
		return nil, &Error{Code: ClientException, Field: "taskDefinition", Message: "The specified task definition identifier is invalid. Specify a valid name or ARN and revision and try again."}
	}
	var out TaskDefinition
	err := cp.store.Update(ctx, func(tx store.Tx) error {
		var rec record.TaskDefinition
		found, err := record.Get(tx, record.TaskDefinitionKey(family, rev), &rec)
		if err != nil {
			return err
		}
		if !found {
			return &Error{Code: ClientException, Field: "taskDefinition", Message: "The specified task definition does not exist."}
		}
		if rec.TaskDefinition.Status == TaskDefinitionStatusActive {
			rec.TaskDefinition.Status = TaskDefinitionStatusInactive
			rec.TaskDefinition.DeregisteredAt = cp.now()
			if err := record.Put(tx, record.TaskDefinitionKey(family, rev), &rec); err != nil {
				return err
			}
		}
		out = rec.TaskDefinition
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &DeregisterTaskDefinitionOutput{TaskDefinition: &out}, nil
}

// DeleteTaskDefinitions marks up to 10 INACTIVE revisions
// DELETE_IN_PROGRESS.
func (cp *ControlPlane) DeleteTaskDefinitions(ctx context.Context, in *DeleteTaskDefinitionsInput) (*DeleteTaskDefinitionsOutput, error) {
	if len(in.TaskDefinitions) == 0 || len(in.TaskDefinitions) > 10 {
		return nil, &Error{Code: InvalidParameterException, Field: "taskDefinitions", Message: "taskDefinitions must have between 1 and 10 items."}
	}
	out := &DeleteTaskDefinitionsOutput{TaskDefinitions: []TaskDefinition{}, Failures: []Failure{}}
	err := cp.store.Update(ctx, func(tx store.Tx) error {
		out.TaskDefinitions, out.Failures = out.TaskDefinitions[:0], out.Failures[:0]
		for _, ref := range in.TaskDefinitions {
			family, rev, ok := cp.parseTaskDefinitionRef(ref)
			if !ok || rev == 0 {
				out.Failures = append(out.Failures, Failure{Arn: ref, Reason: "The specified task definition identifier is invalid. Specify a valid name or ARN and revision and try again."})
				continue
			}
			arn := cp.taskDefinitionARN(family, rev)
			var rec record.TaskDefinition
			found, err := record.Get(tx, record.TaskDefinitionKey(family, rev), &rec)
			if err != nil {
				return err
			}
			switch {
			case !found:
				out.Failures = append(out.Failures, Failure{Arn: arn, Reason: "The specified task definition does not exist."})
				continue
			case rec.TaskDefinition.Status == TaskDefinitionStatusActive:
				out.Failures = append(out.Failures, Failure{Arn: arn, Reason: "The specified task definition is still in ACTIVE status. Please deregister the target and try again."})
				continue
			case rec.TaskDefinition.Status == TaskDefinitionStatusInactive:
				rec.TaskDefinition.Status = TaskDefinitionStatusDeleteInProgress
				rec.TaskDefinition.DeleteRequestedAt = cp.now()
				if err := record.Put(tx, record.TaskDefinitionKey(family, rev), &rec); err != nil {
					return err
				}
			}
			out.TaskDefinitions = append(out.TaskDefinitions, rec.TaskDefinition)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
