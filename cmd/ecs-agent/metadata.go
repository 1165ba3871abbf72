package main

import (
	"github.com/ecskit/ecs/agent"
	"github.com/ecskit/ecs/agent/taskmeta"
)

// metadataConfig is the task metadata endpoint from the flags: off
// without -task-metadata and -task-credentials; on a fake engine, on a
// free loopback port and never routed.
func metadataConfig(listen string, route bool, credentials string, fakeEngine bool) (agent.MetadataConfig, error) {
	mc := agent.MetadataConfig{Listen: listen, NoRoute: !route}
	if credentials != "" {
		p, err := taskmeta.LoadCredentialsFile(credentials)
		if err != nil {
			return mc, err
		}
		mc.Credentials = p
		if mc.Listen == "" {
			mc.Listen = "127.0.0.1:51679"
		}
	}
	mc.Enabled = mc.Listen != ""
	if mc.Enabled && fakeEngine {
		mc.Listen, mc.NoRoute = "127.0.0.1:0", true
	}
	return mc, nil
}
