package ecs

import (
	"context"

	"github.com/ecskit/ecs/internal/record"
	"github.com/ecskit/ecs/store"
)

// UpdateCluster replaces settings of an ACTIVE cluster (containerInsights
// is the one ECS knows).
func (cp *ControlPlane) UpdateCluster(ctx context.Context, in *UpdateClusterInput) (*UpdateClusterOutput, error) {
	for _, s := range in.Settings {
		if s.Name != "containerInsights" {
			return nil, &Error{Code: InvalidParameterException, Field: "settings.name", Message: "Invalid cluster setting name " + s.Name + "."}
		}
		switch s.Value {
		case "enabled", "disabled", "enhanced":
		default:
			return nil, &Error{Code: InvalidParameterException, Field: "settings.value", Message: "Invalid containerInsights value " + s.Value + "."}
		}
	}
	var out *Cluster
	err := cp.store.Update(ctx, func(tx store.Tx) error {
		rec, err := cp.activeCluster(tx, in.Cluster)
		if err != nil {
			return err
		}
		for _, s := range in.Settings {
			replaced := false
			for i := range rec.Settings {
				if rec.Settings[i].Name == s.Name {
					rec.Settings[i].Value, replaced = s.Value, true
				}
			}
			if !replaced {
				rec.Settings = append(rec.Settings, s)
			}
		}
		if err := record.Put(tx, record.ClusterKey(rec.Name), rec); err != nil {
			return err
		}
		out, err = cp.describeCluster(tx, rec, []string{"SETTINGS"}, 0)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &UpdateClusterOutput{Cluster: out}, nil
}
