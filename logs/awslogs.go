package logs

import (
	"fmt"
	"strconv"
	"strings"
)

// The awslogs driver's option names, as task definitions spell them.
const (
	OptGroup         = "awslogs-group"
	OptRegion        = "awslogs-region"
	OptStreamPrefix  = "awslogs-stream-prefix"
	OptCreateGroup   = "awslogs-create-group"
	OptMode          = "mode"
	OptMaxBufferSize = "max-buffer-size"
)

// Delivery modes of the awslogs driver.
const (
	ModeBlocking    = "blocking"
	ModeNonBlocking = "non-blocking"
)

// DefaultMaxBufferSize is the non-blocking buffer when max-buffer-size is
// not given: Docker's default, which ECS passes through. [unverified
// against ECS's own documentation]
const DefaultMaxBufferSize = 1 << 20

// AWSLogsConfig is an awslogs logConfiguration as the agent reads it.
type AWSLogsConfig struct {
	Group        string
	Region       string
	StreamPrefix string
	// CreateGroup creates a missing group instead of failing the container.
	CreateGroup bool
	// Mode is ModeBlocking or ModeNonBlocking. ECS has defaulted to
	// non-blocking since June 2025.
	Mode string
	// MaxBufferSize bounds the bytes held for a non-blocking container;
	// past it the oldest lines are dropped.
	MaxBufferSize int64
}

// ParseAWSLogsOptions reads the options of a logConfiguration whose
// logDriver is awslogs.
func ParseAWSLogsOptions(opts map[string]string) (AWSLogsConfig, error) {
	c := AWSLogsConfig{
		Group:         opts[OptGroup],
		Region:        opts[OptRegion],
		StreamPrefix:  opts[OptStreamPrefix],
		Mode:          ModeNonBlocking,
		MaxBufferSize: DefaultMaxBufferSize,
	}
	if c.Group == "" {
		return c, fmt.Errorf("awslogs: option %s is required", OptGroup)
	}
	if v, ok := opts[OptCreateGroup]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, fmt.Errorf("awslogs: %s: %q is not a boolean", OptCreateGroup, v)
		}
		c.CreateGroup = b
	}
	if v, ok := opts[OptMode]; ok {
		switch v {
		case ModeBlocking, ModeNonBlocking:
			c.Mode = v
		default:
			return c, fmt.Errorf("awslogs: %s: %q is neither %s nor %s", OptMode, v, ModeBlocking, ModeNonBlocking)
		}
	}
	if v, ok := opts[OptMaxBufferSize]; ok {
		n, err := ParseSize(v)
		if err != nil || n <= 0 {
			return c, fmt.Errorf("awslogs: %s: %q is not a size", OptMaxBufferSize, v)
		}
		c.MaxBufferSize = n
	}
	return c, nil
}

// StreamName is the stream a container's output goes to, as ECS names
// it: prefix/container-name/task-id with a prefix, otherwise the engine's
// container ID.
func (c AWSLogsConfig) StreamName(containerName, taskID, containerID string) string {
	if c.StreamPrefix == "" {
		return containerID
	}
	return c.StreamPrefix + "/" + containerName + "/" + taskID
}

// ParseSize reads a Docker size: a number with an optional unit b, k, m
// or g (powers of 1024; "kb", "mib" and the like too).
func ParseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "b"), "i")
	mult := int64(1)
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'k':
			mult = 1 << 10
		case 'm':
			mult = 1 << 20
		case 'g':
			mult = 1 << 30
		}
		if mult > 1 {
			t = t[:n-1]
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	return int64(f * float64(mult)), nil
}
