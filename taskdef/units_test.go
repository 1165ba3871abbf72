package taskdef

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseTaskCPU(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"512", 512, true},
		{"1028", 1028, true},
		{"1 vCPU", 1024, true},
		{"1 vcpu", 1024, true},
		{"2VCPU", 2048, true},
		{"0.25 vCPU", 256, true},
		{"0.5 vcpu", 512, true},
		{" 4 vCPU ", 4096, true},
		{"0.1 vCPU", 0, false}, // 102.4 units
		{"512.5", 0, false},    // units must be whole without a unit
		{"1 GB", 0, false},
		{"vCPU", 0, false},
		{"-1", 0, false},
		{"1..5 vCPU", 0, false},
		{".5 vCPU", 0, false},
		{"1e3", 0, false},
		{"", 0, false},
		{"99999999999", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := ParseCPU(tc.in)
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestParseTaskMemory(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"2048", 2048, true},
		{"2 GB", 2048, true},
		{"2 gb", 2048, true},
		{"2GB", 2048, true},
		{"0.5 GB", 512, true},
		{"1.5gb", 1536, true},
		{"2 GiB", 0, false},
		{"512 MB", 0, false},
		{"1 vCPU", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := ParseMemory(tc.in)
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestNormalizeTaskDefinitionSizes(t *testing.T) {
	runTDRuleCases(t, []tdRuleCase{
		{"container memory below 6 MiB", tdDoc("", `{"name": "app", "image": "nginx", "memory": 4}`), "containerDefinitions[0].memory", "Invalid 'memory' setting for container 'app'."},
		{"container memory zero", tdDoc("", `{"name": "app", "image": "nginx", "memory": 0}`), "containerDefinitions[0].memory", "Invalid 'memory' setting for container 'app'."},
		{"memoryReservation zero", tdDoc("", `{"name": "app", "image": "nginx", "memoryReservation": 0}`), "containerDefinitions[0].memoryReservation", "Invalid 'memoryReservation' setting for container 'app'."},
		{"negative container cpu", tdDoc("", `{"name": "app", "image": "nginx", "memory": 64, "cpu": -1}`), "containerDefinitions[0].cpu", "Invalid 'cpu' setting for container 'app'."},
		{"no memory anywhere", tdDoc("", `{"name": "app", "image": "nginx"}`), "containerDefinitions[0]", "Invalid setting for container 'app'. At least one of 'memory' or 'memoryReservation' must be specified."},
		{"memory below reservation", tdDoc("", `{"name": "app", "image": "nginx", "memory": 64, "memoryReservation": 128}`), "containerDefinitions[0].memoryReservation", "The 'memoryReservation' setting for container 'app' must be less than or equal to its 'memory' setting."},
		{"container memory above task", tdDoc(`"memory": "256"`, `{"name": "worker", "image": "nginx", "memory": 512}`), "containerDefinitions[0].memory", "The 'memory' setting for container 'worker' is greater than for the task."},
		{"container memory above task in GB", tdDoc(`"memory": "0.5 GB"`, `{"name": "worker", "image": "nginx", "memory": 513}`), "containerDefinitions[0].memory", "The 'memory' setting for container 'worker' is greater than for the task."},
		{"reservations above task", tdDoc(`"memory": "256"`, `{"name": "a", "image": "nginx", "memoryReservation": 200}`, `{"name": "b", "image": "nginx", "memoryReservation": 100}`), "containerDefinitions", "The sum of all container 'memoryReservation' values cannot be greater than the value of the task 'memory'."},
		{"cpu above task", tdDoc(`"cpu": "256"`, tdCtr("a", `"cpu": 200`), tdCtr("b", `"cpu": 100`)), "containerDefinitions", "The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'."},
		{"task cpu below EC2 minimum", tdDoc(`"cpu": "64"`, tdApp), "cpu", "Invalid 'cpu' setting for task."},
		{"task cpu above EC2 maximum", tdDoc(`"cpu": "196609"`, tdApp), "cpu", "Invalid 'cpu' setting for task."},
		{"task cpu not a number", tdDoc(`"cpu": "lots"`, tdApp), "cpu", "Invalid 'cpu' setting for task."},
		{"task memory unit", tdDoc(`"memory": "2 TB"`, tdApp), "memory", "Invalid 'memory' setting for task."},
		{"task memory too small", tdDoc(`"memory": "4"`, tdApp), "memory", "Invalid 'memory' setting for task."},
	})
}

func TestNormalizeTaskDefinitionFargate(t *testing.T) {
	const awsvpc = `"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc"`
	fg := `{"name": "app", "image": "nginx"}`
	runTDRuleCases(t, []tdRuleCase{
		{"no configuration for 512/512", tdDoc(awsvpc+`, "cpu": "512", "memory": "512"`, fg), "memory", "No Fargate configuration exists for given values: 512 CPU, 512 memory."},
		{"256 cpu with 1536 memory", tdDoc(awsvpc+`, "cpu": "256", "memory": "1536"`, fg), "memory", "No Fargate configuration exists for given values: 256 CPU, 1536 memory."},
		{"4096 cpu with 31 GB", tdDoc(awsvpc+`, "cpu": "4 vCPU", "memory": "31 GB"`, fg), "memory", "No Fargate configuration exists for given values: 4096 CPU, 31744 memory."},
		{"8192 cpu off its 4 GB step", tdDoc(awsvpc+`, "cpu": "8192", "memory": "18432"`, fg), "memory", "No Fargate configuration exists for given values: 8192 CPU, 18432 memory."},
		{"cpu not in the table", tdDoc(awsvpc+`, "cpu": "384", "memory": "1024"`, fg), "cpu", "Invalid 'cpu' setting for task."},
		{"windows needs a whole vCPU", tdDoc(awsvpc+`, "cpu": "512", "memory": "1024", "runtimePlatform": {"operatingSystemFamily": "WINDOWS_SERVER_2019_CORE"}`, fg), "cpu", "Invalid 'cpu' setting for task."},
		{"task cpu missing", tdDoc(awsvpc+`, "memory": "512"`, fg), "cpu", "Fargate requires that 'cpu' be defined at the task level."},
		{"task memory missing", tdDoc(awsvpc+`, "cpu": "256"`, `{"name": "app", "image": "nginx", "memory": 128}`), "memory", "Fargate requires that 'memory' be defined at the task level."},
		{"bridge network", tdDoc(`"requiresCompatibilities": ["FARGATE"], "networkMode": "bridge", "cpu": "256", "memory": "512"`, fg), "networkMode", "Fargate only supports network mode ‘awsvpc’."},
		{"network mode omitted", tdDoc(`"requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512"`, fg), "networkMode", "Fargate only supports network mode ‘awsvpc’."},
		{"awslogs without execution role", tdDoc(tdFargate, `{"name": "app", "image": "nginx", "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "g", "awslogs-region": "r"}}}`), "containerDefinitions[0].logConfiguration", "Fargate requires task definition to have execution role ARN to support log driver awslogs."},
		{"host source path", tdDoc(tdFargate+`, "volumes": [{"name": "v", "host": {"sourcePath": "/data"}}]`, fg), "volumes[0].host.sourcePath", "Fargate compatible task definitions do not support sourcePath"},
		{"docker volume", tdDoc(tdFargate+`, "volumes": [{"name": "v", "dockerVolumeConfiguration": {"scope": "task"}}]`, fg), "volumes[0].dockerVolumeConfiguration", "Fargate compatible task definitions do not support dockerVolumeConfiguration"},
		{"host pid mode", tdDoc(tdFargate+`, "pidMode": "host"`, fg), "pidMode", "Fargate compatible task definitions do not support pidMode 'host'."},
		{"ipc mode", tdDoc(tdFargate+`, "ipcMode": "task"`, fg), "ipcMode", "Fargate compatible task definitions do not support ipcMode."},
		{"placement constraints", tdDoc(tdFargate+`, "placementConstraints": [{"type": "memberOf", "expression": "a == b"}]`, fg), "placementConstraints", "Fargate compatible task definitions do not support placementConstraints."},
		{"privileged container", tdDoc(tdFargate, `{"name": "app", "image": "nginx", "privileged": true}`), "containerDefinitions[0].privileged", "Fargate compatible task definitions do not support privileged containers."},
	})
}

func TestTaskDefFargateTableAccepts(t *testing.T) {
	pairs := [][2]string{
		{"256", "512"}, {"256", "1024"}, {"256", "2048"},
		{"512", "1024"}, {"512", "4096"},
		{"1024", "2048"}, {"1 vCPU", "8 GB"},
		{"2048", "4096"}, {"2048", "16384"},
		{"4096", "8192"}, {"4096", "30720"},
		{"8192", "16384"}, {"8192", "61440"},
		{"16384", "32768"}, {"16 vCPU", "120 GB"},
	}
	for _, p := range pairs {
		t.Run(p[0]+"/"+p[1], func(t *testing.T) {
			td, err := tdNormalize(t, tdDoc(`"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "`+p[0]+`", "memory": "`+p[1]+`"`, `{"name": "app", "image": "nginx"}`))
			require.NoError(t, err)
			require.Equal(t, []string{"EC2", "FARGATE"}, td.Compatibilities)
		})
	}
}
