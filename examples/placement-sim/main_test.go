package main

import (
	"slices"
	"strings"
	"testing"
)

func TestShippedFiles(t *testing.T) {
	var out strings.Builder
	if err := run(nil, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"task  1 -> ",
		"placed 5 of 8 tasks",
		"3 not placed: MemberOf placement constraint unsatisfied.",
		"no container instance met all requirements: 1 had a status other than ACTIVE, 5 had a TCP host port in use, 3 failed memberOf(attribute:stack == prod)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestTaskRequirement(t *testing.T) {
	tests := []struct {
		name, json  string
		cpu, memory int64
		tcp, udp    []int
	}{
		{"task level strings win", `{"family":"f","cpu":"1024","memory":"2048","containerDefinitions":[{"cpu":10,"memory":20}]}`, 1024, 2048, nil, nil},
		{"sum of containers, reservation first", `{"family":"f","containerDefinitions":[{"cpu":10,"memory":20,"memoryReservation":5},{"cpu":1,"memory":7}]}`, 11, 12, nil, nil},
		{"static and dynamic ports", `{"family":"f","containerDefinitions":[{"portMappings":[{"containerPort":80,"hostPort":8080},{"containerPort":81},{"containerPort":53,"hostPort":53,"protocol":"udp"}]}]}`, 0, 0, []int{8080}, []int{53}},
		{"host network uses container ports", `{"family":"f","networkMode":"host","containerDefinitions":[{"portMappings":[{"containerPort":80}]}]}`, 0, 0, []int{80}, nil},
		{"awsvpc has no host ports", `{"family":"f","networkMode":"awsvpc","containerDefinitions":[{"portMappings":[{"containerPort":80,"hostPort":80}]}]}`, 0, 0, nil, nil},
		{"DescribeTaskDefinition output", `{"taskDefinition":{"family":"f","cpu":"256","memory":"512"}}`, 256, 512, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			td, err := parseTaskDefinition([]byte(tc.json))
			if err != nil {
				t.Fatal(err)
			}
			task := td.task()
			if task.CPU != tc.cpu || task.Memory != tc.memory || !slices.Equal(task.Ports, tc.tcp) || !slices.Equal(task.PortsUDP, tc.udp) {
				t.Errorf("got %+v", task)
			}
		})
	}
}
