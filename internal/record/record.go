// Package record holds the control plane's stored shapes (a task, a
// container instance, a cluster, a task definition revision and its
// family, as the store keeps them), their keys, the pure accounting
// between a task and the instance it reserves resources on, and the
// helpers that read and write records in a store transaction.
//
// Every record is JSON in the store but a task, which goes through the
// task codec (EncodeTask, DecodeTask): Get, Put, Decode, Encode and List
// pick the codec by the value's type, so a caller never chooses one.
// Nothing here checks a request or knows the API: that is the control
// plane's part.
package record

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ecskit/ecs/store"
	"github.com/ecskit/ecs/types"
)

// Cluster is a cluster as stored.
type Cluster struct {
	Name      string                 `json:"name"`
	Status    string                 `json:"status"`
	CreatedAt types.Time             `json:"createdAt"`
	Tags      []types.Tag            `json:"tags,omitempty"`
	Settings  []types.ClusterSetting `json:"settings,omitempty"`
}

// ClusterKey is the key of a cluster.
func ClusterKey(name string) string { return "clusters/" + name }

// TaskDefinition is a registered revision with its tags.
type TaskDefinition struct {
	TaskDefinition types.TaskDefinition `json:"taskDefinition"`
	Tags           []types.Tag          `json:"tags,omitempty"`
}

// Family remembers a family's last revision, so numbers are never
// reused.
type Family struct {
	Name         string `json:"name"`
	LastRevision int64  `json:"lastRevision"`
}

// FamilyKey is the key of a task definition family.
func FamilyKey(f string) string { return "families/" + f }

// TaskDefinitionPrefix is the key prefix of a family's revisions.
func TaskDefinitionPrefix(f string) string { return "taskdefs/" + f + "/" }

// TaskDefinitionKey is the key of a revision; revisions sort by number.
func TaskDefinitionKey(f string, rev int64) string {
	return fmt.Sprintf("%s%010d", TaskDefinitionPrefix(f), rev)
}

// Get reads and decodes the record at key; found is false if absent.
func Get(tx store.Tx, key string, v any) (found bool, err error) {
	r, err := tx.Get(key)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, Decode(r, v)
}

// Decode decodes a record's value: tasks and instances with their codecs
// (see EncodeTask, EncodeInstance), anything else as JSON.
func Decode(r store.Record, v any) error {
	var err error
	switch v := v.(type) {
	case *Task:
		err = DecodeTask(r.Value, v)
	case *Instance:
		err = DecodeInstance(r.Value, v)
	default:
		err = json.Unmarshal(r.Value, v)
	}
	if err != nil {
		return fmt.Errorf("ecs: decode %s: %w", r.Key, err)
	}
	return nil
}

// Put encodes v and writes it at key.
func Put(tx store.Tx, key string, v any) error {
	b, err := Encode(v)
	if err != nil {
		return fmt.Errorf("ecs: encode %s: %w", key, err)
	}
	return tx.Put(key, b)
}

// Encode encodes a record's value: tasks and instances with their codecs
// (see EncodeTask, EncodeInstance), anything else as JSON.
func Encode(v any) ([]byte, error) {
	switch v := v.(type) {
	case *Task:
		return EncodeTask(v)
	case *Instance:
		return EncodeInstance(v), nil
	}
	return json.Marshal(v)
}

// List decodes every record under prefix.
func List[T any](tx store.Tx, prefix string) ([]T, error) {
	recs, err := tx.List(prefix)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(recs))
	for _, r := range recs {
		var v T
		if err := Decode(r, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
