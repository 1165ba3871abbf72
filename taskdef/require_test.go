package taskdef

import (
	"errors"
	"strings"
	"testing"

	"github.com/ecskit/ecs/types"
	"github.com/stretchr/testify/require"
)

func TestNormalizeTaskDefinitionPortMappings(t *testing.T) {
	pm := func(mappings string) string { return tdCtr("app", `"portMappings": [`+mappings+`]`) }
	runTDRuleCases(t, []tdRuleCase{
		{"awsvpc host port differs", tdDoc(`"networkMode": "awsvpc"`, pm(`{"containerPort": 80, "hostPort": 8080}`)), "containerDefinitions[0].portMappings[0].hostPort", "When networkMode=awsvpc, the host ports and container ports in port mappings must match."},
		{"awsvpc host port zero", tdDoc(`"networkMode": "awsvpc"`, pm(`{"containerPort": 80, "hostPort": 0}`)), "containerDefinitions[0].portMappings[0].hostPort", "When networkMode=awsvpc, the host ports and container ports in port mappings must match."},
		{"host mode host port differs", tdDoc(`"networkMode": "host"`, pm(`{"containerPort": 80, "hostPort": 81}`)), "containerDefinitions[0].portMappings[0].hostPort", "When networkMode=host, the host ports and container ports in port mappings must match."},
		{"none mode with mappings", tdDoc(`"networkMode": "none"`, pm(`{"containerPort": 80}`)), "containerDefinitions[0].portMappings", "Port mappings are not allowed when networkMode=none."},
		{"container port missing", tdDoc("", pm(`{"hostPort": 80}`)), "containerDefinitions[0].portMappings[0].containerPort", "Invalid 'containerPort' setting for container 'app'."},
		{"container port zero", tdDoc("", pm(`{"containerPort": 0}`)), "containerDefinitions[0].portMappings[0].containerPort", "Invalid 'containerPort' setting for container 'app'."},
		{"container port too big", tdDoc("", pm(`{"containerPort": 65536}`)), "containerDefinitions[0].portMappings[0].containerPort", "Invalid 'containerPort' setting for container 'app'."},
		{"host port too big", tdDoc("", pm(`{"containerPort": 80, "hostPort": 65536}`)), "containerDefinitions[0].portMappings[0].hostPort", "Invalid 'hostPort' setting for container 'app'."},
		{"host port negative", tdDoc("", pm(`{"containerPort": 80, "hostPort": -1}`)), "containerDefinitions[0].portMappings[0].hostPort", "Invalid 'hostPort' setting for container 'app'."},
		{"same container port twice", tdDoc("", pm(`{"containerPort": 80, "hostPort": 8080}, {"containerPort": 80, "hostPort": 8081}`)), "containerDefinitions[0].portMappings[1]", "Container port 80 is used in more than one port mapping for container 'app'."},
		{"port inside a range", tdDoc("", pm(`{"containerPortRange": "8000-8100"}, {"containerPort": 8050}`)), "containerDefinitions[0].portMappings[1]", "Container port 8050 is used in more than one port mapping for container 'app'."},
		{"overlapping ranges", tdDoc("", pm(`{"containerPortRange": "8000-8100"}, {"containerPortRange": "8100-8200"}`)), "containerDefinitions[0].portMappings[1]", "Container port 8100 is used in more than one port mapping for container 'app'."},
		{"range without end", tdDoc("", pm(`{"containerPortRange": "8000"}`)), "containerDefinitions[0].portMappings[0].containerPortRange", `Invalid containerPortRange '8000': want "start-end" with 1 <= start < end <= 65535.`},
		{"range backwards", tdDoc("", pm(`{"containerPortRange": "90-80"}`)), "containerDefinitions[0].portMappings[0].containerPortRange", `Invalid containerPortRange '90-80': want "start-end" with 1 <= start < end <= 65535.`},
		{"range from zero", tdDoc("", pm(`{"containerPortRange": "0-10"}`)), "containerDefinitions[0].portMappings[0].containerPortRange", `Invalid containerPortRange '0-10': want "start-end" with 1 <= start < end <= 65535.`},
		{"range in host mode", tdDoc(`"networkMode": "host"`, pm(`{"containerPortRange": "80-90"}`)), "containerDefinitions[0].portMappings[0].containerPortRange", "containerPortRange is only supported when networkMode is bridge or awsvpc."},
		{"range with container port", tdDoc("", pm(`{"containerPortRange": "80-90", "containerPort": 80}`)), "containerDefinitions[0].portMappings[0].containerPortRange", "A port mapping with containerPortRange cannot also set containerPort or hostPort."},
		{"port name uppercase", tdDoc("", pm(`{"containerPort": 80, "name": "Web"}`)), "containerDefinitions[0].portMappings[0].name", "Port mapping name 'Web' is invalid: use up to 64 lowercase letters, numbers, underscores and hyphens, not starting with a hyphen."},
		{"port name leading hyphen", tdDoc("", pm(`{"containerPort": 80, "name": "-web"}`)), "containerDefinitions[0].portMappings[0].name", "Port mapping name '-web' is invalid: use up to 64 lowercase letters, numbers, underscores and hyphens, not starting with a hyphen."},
		{"static host port twice in task", tdDoc("", tdCtr("a", `"portMappings": [{"containerPort": 80, "hostPort": 3000}]`), tdCtr("b", `"portMappings": [{"containerPort": 81, "hostPort": 3000}]`)), "containerDefinitions[1].portMappings[0].hostPort", "TCP host port '3000' is mapped multiple times in task."},
		{"host mode port twice in task", tdDoc(`"networkMode": "host"`, tdCtr("a", `"portMappings": [{"containerPort": 53, "protocol": "udp"}]`), tdCtr("b", `"portMappings": [{"containerPort": 53, "protocol": "udp"}]`)), "containerDefinitions[1].portMappings[0].hostPort", "UDP host port '53' is mapped multiple times in task."},
	})
}

func TestNormalizeTaskDefinitionReferences(t *testing.T) {
	runTDRuleCases(t, []tdRuleCase{
		{"dependsOn unknown container", tdDoc("", tdCtr("app", `"dependsOn": [{"containerName": "db", "condition": "START"}]`)), "containerDefinitions[0].dependsOn[0].containerName", "Cannot depend on container + 'db' because it does not exist"},
		{"SUCCESS on an essential container", tdDoc("", tdCtr("init", ""), tdCtr("app", `"dependsOn": [{"containerName": "init", "condition": "SUCCESS"}]`)), "containerDefinitions[1].dependsOn[0].containerName", "A dependency container with SUCCESS or COMPLETE condition cannot be an essential container"},
		{"dependsOn cycle", tdDoc("", tdCtr("a", `"dependsOn": [{"containerName": "b", "condition": "START"}]`), tdCtr("b", `"dependsOn": [{"containerName": "a", "condition": "HEALTHY"}]`)), "containerDefinitions", "Container dependencies should not have a cycle: a -> b -> a."},
		{"depends on itself", tdDoc("", tdCtr("a", `"dependsOn": [{"containerName": "a", "condition": "START"}]`)), "containerDefinitions", "Container dependencies should not have a cycle: a -> a."},
		{"cycle through volumesFrom", tdDoc("", tdCtr("a", `"volumesFrom": [{"sourceContainer": "b"}]`), tdCtr("b", `"dependsOn": [{"containerName": "c", "condition": "START"}]`), tdCtr("c", `"links": ["a"]`)), "containerDefinitions", "Container dependencies should not have a cycle: a -> b -> c -> a."},
		{"links cycle", tdDoc("", tdCtr("a", `"links": ["b:bee"]`), tdCtr("b", `"links": ["a"]`)), "containerDefinitions", "Container links should not have a cycle"},
		{"link to an unknown container", tdDoc("", tdCtr("app", `"links": ["db"]`)), "containerDefinitions[0].links[0]", "Unknown container link 'db'."},
		{"links under awsvpc", tdDoc(`"networkMode": "awsvpc"`, tdCtr("db", ""), tdCtr("app", `"links": ["db"]`)), "containerDefinitions[1].links", "Links are not supported when networkMode=awsvpc."},
	})
}

func TestTaskDefRequirements(t *testing.T) {
	tests := []struct {
		name           string
		doc            string
		ov             *types.TaskOverride
		cpu, mem       int64
		ports, udp     []int
		wantNoOverride bool
	}{
		{"task size wins", tdDoc(`"cpu": "1 vCPU", "memory": "1 GB"`, tdCtr("a", `"cpu": 10`)), nil, 1024, 1024, nil, nil, true},
		{"sum of containers", tdDoc("", tdCtr("a", `"cpu": 10`), `{"name": "b", "image": "i", "cpu": 20, "memory": 256, "memoryReservation": 64}`), nil, 30, 128 + 64, nil, nil, true},
		{"static ports only", tdDoc("", tdCtr("a", `"portMappings": [{"containerPort": 80, "hostPort": 8080}, {"containerPort": 81}, {"containerPort": 82, "hostPort": 0}, {"containerPort": 53, "hostPort": 53, "protocol": "udp"}, {"containerPortRange": "9000-9010"}]`)),
			nil, 0, 128, []int{8080}, []int{53}, true},
		{"host mode ports default to container ports", tdDoc(`"networkMode": "host"`, tdCtr("a", `"portMappings": [{"containerPort": 9000}, {"containerPort": 22}]`)), nil, 0, 128, []int{22, 9000}, nil, true},
		{"task-level override", tdDoc(`"cpu": "256", "memory": "512"`, tdApp), &types.TaskOverride{Cpu: "2 vCPU", Memory: "4096"}, 2048, 4096, nil, nil, false},
		{"container overrides", tdDoc("", tdCtr("a", `"cpu": 10`), `{"name": "b", "image": "i", "cpu": 20, "memory": 256, "memoryReservation": 64}`),
			&types.TaskOverride{ContainerOverrides: []types.ContainerOverride{{Name: "a", Cpu: ptr[int64](100), Memory: ptr[int64](300)}, {Name: "b", MemoryReservation: ptr[int64](32)}}},
			120, 300 + 32, nil, nil, false},
		{"override reservation on a memory-only container", tdDoc("", tdApp), &types.TaskOverride{ContainerOverrides: []types.ContainerOverride{{Name: "app", MemoryReservation: ptr[int64](16)}}}, 0, 16, nil, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			td, err := tdNormalize(t, tc.doc)
			require.NoError(t, err)
			cpu, mem, ports, udp := Requirements(td, tc.ov)
			require.Equal(t, tc.cpu, cpu, "cpu")
			require.Equal(t, tc.mem, mem, "memory")
			require.Equal(t, tc.ports, ports, "ports")
			require.Equal(t, tc.udp, udp, "udp ports")
			if tc.wantNoOverride {
				c2, m2, p2, u2 := Requirements(td, &types.TaskOverride{})
				require.Equal(t, []any{cpu, mem, ports, udp}, []any{c2, m2, p2, u2}, "an empty override changes nothing")
			}
		})
	}
}

func TestTaskDefValidateTaskOverride(t *testing.T) {
	td, err := tdNormalize(t, tdDoc("", tdApp, tdCtr("sidecar", "")))
	require.NoError(t, err)
	tests := []struct {
		name, field, msg string
		ov               *types.TaskOverride
	}{
		{"valid", "", "", &types.TaskOverride{Cpu: "512", ContainerOverrides: []types.ContainerOverride{{Name: "app", Command: []string{"sh"}}}}},
		{"nil", "", "", nil},
		{"unknown container", "overrides.containerOverrides[1].name", "Override for container named web is not a container in the TaskDefinition.",
			&types.TaskOverride{ContainerOverrides: []types.ContainerOverride{{Name: "app"}, {Name: "web"}}}},
		{"container without name", "overrides.containerOverrides[0].name", "Container override name should not be null or empty.",
			&types.TaskOverride{ContainerOverrides: []types.ContainerOverride{{Command: []string{"sh"}}}}},
		{"too long", "overrides", "Container Overrides length must be at most 8192",
			&types.TaskOverride{ContainerOverrides: []types.ContainerOverride{{Name: "app", Command: []string{strings.Repeat("x", 8200)}}}}},
		{"bad task cpu", "overrides.cpu", "Invalid 'cpu' override for task.", &types.TaskOverride{Cpu: "fast"}},
		{"bad task memory", "overrides.memory", "Invalid 'memory' override for task.", &types.TaskOverride{Memory: "1 TB"}},
		{"negative container memory", "overrides.containerOverrides[0].memory", "Invalid 'memory' override for container 'app'.",
			&types.TaskOverride{ContainerOverrides: []types.ContainerOverride{{Name: "app", Memory: ptr[int64](-1)}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateOverride(td, tc.ov)
			if tc.msg == "" {
				require.NoError(t, err)
				return
			}
			var e *types.Error
			require.True(t, errors.As(err, &e), "want an *Error, got %v", err)
			require.Equal(t, types.InvalidParameterException, e.Code)
			require.Equal(t, tc.msg, e.Message)
			require.Equal(t, tc.field, e.Field)
		})
	}
}
