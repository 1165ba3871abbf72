package arn

import (
	"slices"
	"testing"
)

func TestResource(t *testing.T) {
	n := New("eu-west-1", "123456789012")
	tests := []struct {
		name, kind, in string
		want           []string
		ok             bool
	}{
		{"short name", "cluster", "web", []string{"web"}, true},
		{"cluster ARN", "cluster", n.Cluster("web"), []string{"web"}, true},
		{"task ARN", "task", n.Task("c", "id"), []string{"c", "id"}, true},
		{"other kind", "service", n.Task("c", "id"), nil, false},
		{"not ecs", "task", "arn:aws:s3:eu-west-1:123456789012:task/c/id", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Resource(tc.kind, tc.in)
			if ok != tc.ok || !slices.Equal(got, tc.want) {
				t.Fatalf("Resource(%q, %q) = %q, %v; want %q, %v", tc.kind, tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestUUID(t *testing.T) {
	if got := UUID("0123456789abcdef0123456789abcdef"); got != "01234567-89ab-cdef-0123-456789abcdef" {
		t.Fatalf("UUID = %q", got)
	}
	if got := UUID("short"); got != "short" {
		t.Fatalf("UUID(short) = %q", got)
	}
}
