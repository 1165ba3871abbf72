package taskdef

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ecskit/ecs/types"
)

// CPU and memory: the units of a task definition's cpu and memory strings,
// the sizing rules between a task and its containers, and the Fargate
// cpu/memory table.

// CPUUnitsPerVCPU is the number of CPU units in one vCPU.
const CPUUnitsPerVCPU = 1024

// Task CPU bounds for the EC2 launch type, in CPU units (ECS-SPEC §2.1).
const (
	minTaskCPUUnits = 128
	maxTaskCPUUnits = 196608
)

// minContainerMemoryMiB is the smallest container memory limit accepted;
// Docker 20.10 and later refuse less than 6 MiB (ECS-SPEC §2.7).
const minContainerMemoryMiB = 6

// ParseCPU converts a task cpu string to CPU units: "512" is 512 units,
// "1 vCPU", "1vcpu" or "0.25 vCPU" are 1024 per vCPU. The unit is matched
// without regard to case. It reports false for anything else, and for
// values that are not a whole number of units.
func ParseCPU(s string) (int64, bool) {
	return parseUnits(s, "vcpu", CPUUnitsPerVCPU)
}

// ParseMemory converts a task memory string to MiB: "2048" is 2048 MiB,
// "2 GB", "2gb" or "0.5 GB" are 1024 MiB per GB. It reports false for
// anything else, and for values that are not a whole number of MiB.
func ParseMemory(s string) (int64, bool) {
	return parseUnits(s, "gb", 1024)
}

// parseUnits reads "<integer>" or "<decimal> <unit>" (the space optional,
// the unit in any case) and returns the value in base units.
func parseUnits(s, unit string, perUnit int64) (int64, bool) {
	s = strings.TrimSpace(s)
	num, scale := s, int64(1)
	if len(s) > len(unit) && strings.EqualFold(s[len(s)-len(unit):], unit) {
		num, scale = strings.TrimSpace(s[:len(s)-len(unit)]), perUnit
	}
	if num == "" || strings.Trim(num, "0123456789.") != "" || strings.Count(num, ".") > 1 ||
		num[0] == '.' || num[len(num)-1] == '.' || (scale == 1 && strings.Contains(num, ".")) {
		return 0, false
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f*float64(scale) > math.MaxInt32 {
		return 0, false
	}
	v := f * float64(scale)
	if v != math.Trunc(v) {
		return 0, false
	}
	return int64(v), true
}

// normalizeTaskSize converts the task's cpu and memory strings to units in
// place and checks the EC2 bounds.
func normalizeTaskSize(td *types.TaskDefinition) error {
	if td.Cpu != "" {
		cpu, ok := ParseCPU(td.Cpu)
		if !ok || cpu < minTaskCPUUnits || cpu > maxTaskCPUUnits {
			return tdErr("cpu", "Invalid 'cpu' setting for task.")
		}
		td.Cpu = strconv.FormatInt(cpu, 10)
	}
	if td.Memory != "" {
		mem, ok := ParseMemory(td.Memory)
		if !ok || mem < minContainerMemoryMiB {
			return tdErr("memory", "Invalid 'memory' setting for task.")
		}
		td.Memory = strconv.FormatInt(mem, 10)
	}
	return nil
}

// validateContainerSizes checks each container's cpu, memory and
// memoryReservation, alone and against the task's (already normalised)
// cpu and memory (ECS-SPEC §2.7).
func validateContainerSizes(td *types.TaskDefinition) error {
	taskCPU, _ := ParseCPU(td.Cpu)
	taskMem, _ := ParseMemory(td.Memory)
	var sumCPU, sumReservation int64
	for i := range td.ContainerDefinitions {
		c := &td.ContainerDefinitions[i]
		if err := validateContainerSize(c, i, taskMem); err != nil {
			return err
		}
		sumCPU += c.Cpu
		if c.MemoryReservation != nil {
			sumReservation += *c.MemoryReservation
		}
	}
	if taskCPU > 0 && sumCPU > taskCPU {
		return tdErr("containerDefinitions", "The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'.")
	}
	if taskMem > 0 && sumReservation > taskMem {
		return tdErr("containerDefinitions", "The sum of all container 'memoryReservation' values cannot be greater than the value of the task 'memory'.")
	}
	return nil
}

// validateContainerSize checks one container's sizes; taskMem is 0 when
// the task has no memory.
func validateContainerSize(c *types.ContainerDefinition, i int, taskMem int64) error {
	p := fmt.Sprintf("containerDefinitions[%d]", i)
	if c.Cpu < 0 || c.Cpu > math.MaxInt32 {
		return tdErr(p+".cpu", "Invalid 'cpu' setting for container '%s'.", c.Name)
	}
	if c.Memory != nil && (*c.Memory < minContainerMemoryMiB || *c.Memory > math.MaxInt32) {
		return tdErr(p+".memory", "Invalid 'memory' setting for container '%s'.", c.Name)
	}
	if r := c.MemoryReservation; r != nil && (*r <= 0 || *r > math.MaxInt32) {
		return tdErr(p+".memoryReservation", "Invalid 'memoryReservation' setting for container '%s'.", c.Name)
	}
	if taskMem == 0 && c.Memory == nil && c.MemoryReservation == nil {
		return tdErr(p, "Invalid setting for container '%s'. At least one of 'memory' or 'memoryReservation' must be specified.", c.Name)
	}
	// [unverified text] ECS rejects memory < memoryReservation.
	if c.Memory != nil && c.MemoryReservation != nil && *c.Memory < *c.MemoryReservation {
		return tdErr(p+".memoryReservation", "The 'memoryReservation' setting for container '%s' must be less than or equal to its 'memory' setting.", c.Name)
	}
	if taskMem > 0 && c.Memory != nil && *c.Memory > taskMem {
		return tdErr(p+".memory", "The 'memory' setting for container '%s' is greater than for the task.", c.Name)
	}
	return nil
}

// fargateMemoryOK reports whether cpu is a Fargate task cpu value and
// whether mem (MiB) is one of the memory values offered with it (AWS
// Developer Guide, "Task CPU and memory").
func fargateMemoryOK(cpu, mem int64) (cpuOK, memOK bool) {
	steps := func(lo, hi, step int64) bool { return mem >= lo && mem <= hi && (mem-lo)%step == 0 }
	switch cpu {
	case 256:
		return true, mem == 512 || mem == 1024 || mem == 2048
	case 512:
		return true, steps(1024, 4096, 1024)
	case 1024:
		return true, steps(2048, 8192, 1024)
	case 2048:
		return true, steps(4096, 16384, 1024)
	case 4096:
		return true, steps(8192, 30720, 1024)
	case 8192:
		return true, steps(16384, 61440, 4096)
	case 16384:
		return true, steps(32768, 122880, 8192)
	}
	return false, false
}

// fargateWindowsCPU are the task cpu values Fargate offers for Windows.
var fargateWindowsCPU = []int64{1024, 2048, 4096}

// checkFargateSize checks a task's normalised cpu and memory against the
// Fargate table, returning ECS's message or "".
func checkFargateSize(td *types.TaskDefinition) (field, msg string) {
	switch {
	case td.Cpu == "":
		return "cpu", "Fargate requires that 'cpu' be defined at the task level."
	case td.Memory == "":
		return "memory", "Fargate requires that 'memory' be defined at the task level."
	}
	cpu, _ := ParseCPU(td.Cpu)
	mem, _ := ParseMemory(td.Memory)
	cpuOK, memOK := fargateMemoryOK(cpu, mem)
	if !cpuOK || (isWindows(td) && !slices.Contains(fargateWindowsCPU, cpu)) {
		return "cpu", "Invalid 'cpu' setting for task."
	}
	if !memOK {
		return "memory", fmt.Sprintf("No Fargate configuration exists for given values: %d CPU, %d memory.", cpu, mem)
	}
	return "", ""
}

// isWindows reports whether the task definition's runtime platform is a
// Windows Server family.
func isWindows(td *types.TaskDefinition) bool {
	return td.RuntimePlatform != nil && strings.HasPrefix(td.RuntimePlatform.OperatingSystemFamily, "WINDOWS_SERVER")
}
