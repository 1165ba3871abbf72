package agent

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/ecskit/ecs/types"
)

// stateFile is what the agent keeps on disk to survive a restart: its
// instance ARN, and for each task it has not cleaned up yet, enough to find
// and adopt its containers.
type stateFile struct {
	Version              int             `json:"version"`
	ContainerInstanceArn string          `json:"containerInstanceArn"`
	Tasks                []taskRecord    `json:"tasks"`
	Pulled               map[string]bool `json:"pulledImages,omitempty"`
}

const stateVersion = 1

// taskRecord is the persisted form of one task.
type taskRecord struct {
	Task               *types.Task           `json:"task"`
	TaskDefinition     *types.TaskDefinition `json:"taskDefinition"`
	DesiredStatus      string                `json:"desiredStatus"`
	KnownStatus        string                `json:"knownStatus"`
	StopCode           string                `json:"stopCode,omitempty"`
	StoppedReason      string                `json:"stoppedReason,omitempty"`
	PullStartedAt      time.Time             `json:"pullStartedAt,omitzero"`
	PullStoppedAt      time.Time             `json:"pullStoppedAt,omitzero"`
	ExecutionStoppedAt time.Time             `json:"executionStoppedAt,omitzero"`
	StoppedAt          time.Time             `json:"stoppedAt,omitzero"`
	Volumes            map[string]string     `json:"volumes,omitempty"` // task volume name -> engine volume
	Containers         []containerRecord     `json:"containers"`
}

// containerRecord is the persisted form of one container.
type containerRecord struct {
	Name       string          `json:"name"`
	DockerName string          `json:"dockerName"`
	RuntimeID  string          `json:"runtimeId,omitempty"`
	Status     ContainerStatus `json:"status"`
	ExitCode   *int64          `json:"exitCode,omitempty"`
	Reason     string          `json:"reason,omitempty"`
	StartedAt  time.Time       `json:"startedAt,omitzero"`

	// What snapshots show but the state file does not keep.
	health   string
	bindings []types.NetworkBinding
}

// loadState reads the state file; a missing file (or none configured) is
// an empty state.
func loadState(path string) (stateFile, error) {
	if path == "" {
		return stateFile{}, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return stateFile{}, nil
	}
	if err != nil {
		return stateFile{}, err
	}
	var s stateFile
	if err := json.Unmarshal(b, &s); err != nil {
		return stateFile{}, err
	}
	return s, nil
}

// persist returns once the state file (if configured) holds the agent's
// state as of the call; concurrent calls share writes (groupWrite).
func (a *Agent) persist() {
	if a.cfg.StateFile == "" {
		return
	}
	a.stateWrites.do(a.writeState)
}

// writeState writes the agent's state file atomically (write, then
// rename).
func (a *Agent) writeState() {
	a.fileMu.Lock()
	defer a.fileMu.Unlock()
	a.mu.Lock()
	s := stateFile{Version: stateVersion, ContainerInstanceArn: a.instanceArn, Pulled: map[string]bool{}}
	for _, t := range a.tasks {
		if t.pub != nil {
			s.Tasks = append(s.Tasks, t.pub.rec)
		}
	}
	for img := range a.pulled {
		s.Pulled[img] = true
	}
	a.mu.Unlock()
	sort.Slice(s.Tasks, func(i, j int) bool { return s.Tasks[i].Task.TaskArn < s.Tasks[j].Task.TaskArn })
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		a.logErr("encode state", err)
		return
	}
	tmp := a.cfg.StateFile + ".tmp"
	if err := os.MkdirAll(filepath.Dir(a.cfg.StateFile), 0o755); err != nil {
		a.logErr("write state", err)
		return
	}
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		a.logErr("write state", err)
		return
	}
	a.logErr("write state", os.Rename(tmp, a.cfg.StateFile))
}
