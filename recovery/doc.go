// Package recovery holds ecskit's recovery tests: real ecsd and ecs-agent
// processes, killed and cut off while they work, checked for lost and
// duplicated tasks. It has no code of its own.
package recovery
