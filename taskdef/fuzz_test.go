package taskdef

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecskit/ecs/types"
)

// FuzzParseTaskDefinition checks, for any document, that parsing and
// normalising never panic, that every failure is a ClientException, that
// normalising leaves its input alone, and that a normalised task
// definition survives a describe-output round trip unchanged.
func FuzzParseTaskDefinition(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "taskdefs", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(minimalTD))
	f.Add([]byte(`{"taskDefinition": {"family": "f", "networkMode": "host", "cpu": "0.25 vcpu", "memory": "0.5 gb",
		"containerDefinitions": [{"name": "a", "image": "i", "portMappings": [{"containerPort": 1, "protocol": "udp"}],
		"healthCheck": {"command": ["CMD", "x"]}, "dependsOn": [{"containerName": "b", "condition": "START"}]},
		{"name": "b", "image": "i", "essential": false, "memoryReservation": 6, "links": []}]}, "tags": [{"key": "k"}]}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := Parse(data)
		if err != nil {
			requireTDClientException(t, err)
			return
		}
		before, err := json.Marshal(in)
		if err != nil {
			t.Fatalf("a parsed input does not marshal: %v", err)
		}
		td, err := Normalize(in)
		if after, _ := json.Marshal(in); string(after) != string(before) {
			t.Fatalf("Normalize modified its input:\nbefore %s\nafter  %s", before, after)
		}
		if err != nil {
			requireTDClientException(t, err)
			return
		}
		requireTDRoundTrip(t, td)
		Requirements(td, nil)
	})
}

func requireTDClientException(t *testing.T, err error) {
	t.Helper()
	var e *types.Error
	if !errors.As(err, &e) || e.Code != types.ClientException || e.Message == "" {
		t.Fatalf("want a ClientException with a message, got %#v", err)
	}
}
