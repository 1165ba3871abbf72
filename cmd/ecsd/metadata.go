package main

import (
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/agent/taskmeta"
)

// defaultTaskMetadata is where ECS's agent serves the endpoint.
const defaultTaskMetadata = "127.0.0.1:51679"

// metadataConfig is the agents' task metadata endpoint from the flags:
// off without -task-metadata and -task-credentials.
func metadataConfig(cfg config) (agent.MetadataConfig, error) {
	mc := agent.MetadataConfig{Listen: cfg.taskMetadata, NoRoute: !cfg.taskMetadataRoute}
	if cfg.taskCredentials != "" {
		p, err := taskmeta.LoadCredentialsFile(cfg.taskCredentials)
		if err != nil {
			return mc, err
		}
		mc.Credentials = p
		if mc.Listen == "" {
			mc.Listen = defaultTaskMetadata
		}
	}
	mc.Enabled = mc.Listen != ""
	return mc, nil
}

// fakeMetadata is the endpoint of an agent on a fake engine: its
// containers run nothing, so it only needs its own port and no route;
// tasks whose role cannot be served are refused all the same.
func fakeMetadata(mc agent.MetadataConfig) agent.MetadataConfig {
	if mc.Enabled {
		mc.Listen, mc.NoRoute = "127.0.0.1:0", true
	}
	return mc
}
