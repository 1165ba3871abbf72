package ecs

import "encoding/json"

// encodeTask encodes a task record for the store.
func encodeTask(t *taskRecord) ([]byte, error) { return json.Marshal(t) }

// decodeTask decodes a task record written by encodeTask.
func decodeTask(b []byte, t *taskRecord) error { return json.Unmarshal(b, t) }
