package agents

import (
	"testing"
	"time"

	"github.com/ecskit/ecs/clock"
)

func TestAgentConnectedWhilePollingOrRecentlySeen(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	tr := New(clk, time.Minute)
	const arn = "arn:aws:ecs:us-east-1:000000000000:container-instance/default/i1"
	if tr.Connected(arn) {
		t.Fatal("unknown agent connected")
	}
	gen := tr.Generation()
	tr.Begin(arn)
	if !tr.Connected(arn) || tr.Generation() == gen {
		t.Fatal("polling agent not connected, or generation did not move")
	}
	clk.Advance(time.Hour)
	if c, exp := tr.State(arn); !c || !exp.IsZero() {
		t.Fatalf("State while polling = %v, %v", c, exp)
	}
	tr.End(arn)
	clk.Advance(59 * time.Second)
	if !tr.Connected(arn) {
		t.Fatal("agent seen 59s ago not connected")
	}
	clk.Advance(time.Second)
	if tr.Connected(arn) {
		t.Fatal("agent seen 60s ago still connected")
	}
	tr.Observe(arn, clk.Now().Add(-time.Second))
	if !tr.Connected(arn) {
		t.Fatal("observed heartbeat ignored")
	}
	if !tr.Due(arn) || tr.Due(arn) {
		t.Fatal("Due should hold once per quarter timeout")
	}
	tr.Forget(arn)
	if tr.Connected(arn) {
		t.Fatal("forgotten agent connected")
	}
}
