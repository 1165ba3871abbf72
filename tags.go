package ecs

import (
	"context"
	"strings"

	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/internal/services"
	"github.com/ecskit/ecs/store"
)

// TagResource adds or replaces tags on a cluster, container instance,
// task, task definition or service.
func (cp *ControlPlane) TagResource(ctx context.Context, in *TagResourceInput) (*TagResourceOutput, error) {
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	err := cp.editTags(ctx, in.ResourceArn, func(tags []Tag) ([]Tag, error) {
		for _, nt := range in.Tags {
			replaced := false
			for i := range tags {
				if tags[i].Key == nt.Key {
					tags[i].Value, replaced = nt.Value, true
				}
			}
			if !replaced {
				tags = append(tags, nt)
			}
		}
		if len(tags) > 50 {
			return nil, &Error{Code: InvalidParameterException, Field: "tags", Message: "A resource can have at most 50 tags."}
		}
		return tags, nil
	})
	if err != nil {
		return nil, err
	}
	return &TagResourceOutput{}, nil
}

// UntagResource removes tags by key.
func (cp *ControlPlane) UntagResource(ctx context.Context, in *UntagResourceInput) (*UntagResourceOutput, error) {
	err := cp.editTags(ctx, in.ResourceArn, func(tags []Tag) ([]Tag, error) {
		out := tags[:0]
		for _, t := range tags {
			drop := false
			for _, k := range in.TagKeys {
				drop = drop || t.Key == k
			}
			if !drop {
				out = append(out, t)
			}
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	return &UntagResourceOutput{}, nil
}

// ListTagsForResource lists a resource's tags.
func (cp *ControlPlane) ListTagsForResource(ctx context.Context, in *ListTagsForResourceInput) (*ListTagsForResourceOutput, error) {
	var out []Tag
	err := cp.store.View(ctx, func(tx store.Tx) error {
		return cp.withTags(tx, in.ResourceArn, func(tags *[]Tag) error {
			out = append([]Tag{}, *tags...)
			return nil
		}, false)
	})
	if err != nil {
		return nil, err
	}
	return &ListTagsForResourceOutput{Tags: out}, nil
}

func (cp *ControlPlane) editTags(ctx context.Context, arn string, fn func([]Tag) ([]Tag, error)) error {
	return cp.store.Update(ctx, func(tx store.Tx) error {
		return cp.withTags(tx, arn, func(tags *[]Tag) error {
			nt, err := fn(append([]Tag{}, *tags...))
			*tags = nt
			return err
		}, true)
	})
}

// withTags finds the record an ARN names, lets fn edit its tags and, if
// write is set, stores it again.
func (cp *ControlPlane) withTags(tx store.Tx, arn string, fn func(*[]Tag) error, write bool) error {
	notFound := &Error{Code: InvalidParameterException, Field: "resourceArn", Message: "The specified resource is not found."}
	if !strings.HasPrefix(arn, cp.arnPrefix()) {
		return &Error{Code: InvalidParameterException, Field: "resourceArn", Message: "Invalid resource ARN " + arn + "."}
	}
	rest := strings.TrimPrefix(arn, cp.arnPrefix())
	kind, name, _ := strings.Cut(rest, "/")
	parts := strings.Split(name, "/")
	edit := func(key string, v any, tags *[]Tag) error {
		found, err := record.Get(tx, key, v)
		if err != nil {
			return err
		}
		if !found {
			return notFound
		}
		if err := fn(tags); err != nil {
			return err
		}
		if write {
			return record.Put(tx, key, v)
		}
		return nil
	}
	switch {
	case kind == "cluster" && len(parts) == 1:
		var r record.Cluster
		return edit(record.ClusterKey(parts[0]), &r, &r.Tags)
	case kind == "container-instance" && len(parts) == 2:
		var r record.Instance
		return edit(record.InstanceKey(parts[0], parts[1]), &r, &r.Tags)
	case kind == "task" && len(parts) == 2:
		var r record.Task
		return edit(record.TaskKey(parts[0], parts[1]), &r, &r.Task.Tags)
	case kind == "task-definition" && len(parts) == 1:
		family, rev, ok := cp.parseTaskDefinitionRef(parts[0])
		if !ok || rev == 0 {
			return notFound
		}
		var r record.TaskDefinition
		return edit(record.TaskDefinitionKey(family, rev), &r, &r.Tags)
	case kind == "service" && len(parts) == 2:
		var r services.Record
		return edit(services.Key(parts[0], parts[1]), &r, &r.Service.Tags)
	}
	return notFound
}
