package record

import "encoding/json"

// EncodeTask encodes a task record for the store.
func EncodeTask(t *Task) ([]byte, error) { return json.Marshal(t) }

// DecodeTask decodes a task record written by EncodeTask.
func DecodeTask(b []byte, t *Task) error { return json.Unmarshal(b, t) }
