package taskmeta

import (
	"context"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRoute routes Address:80 to a loopback server of the test, fetches it
// through Address from the host (the path of host-mode containers), and
// undoes the route. It needs root and iptables, as the feature does: where
// the host refuses, the test says why and skips (the agent then falls back
// to the bridge gateway, tested with the agent).
func TestRoute(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "routed") }))
	port := l.Addr().(*net.TCPAddr).Port
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	undo, err := Route(ctx, "docker0", port)
	if err != nil {
		t.Skipf("this host cannot route %s (not root, no iptables or no docker0): %v", Address, err)
	}
	rules := func() string {
		out, _ := exec.Command("iptables", "-w", "-S", "-t", "nat").CombinedOutput()
		f, _ := exec.Command("iptables", "-w", "-S", "-t", "filter").CombinedOutput()
		return string(out) + string(f)
	}
	tag := "ecskit-agent:" + strconv.Itoa(port)
	if n := strings.Count(rules(), tag); n != 4 {
		t.Errorf("%d rules tagged %s, want 4:\n%s", n, tag, rules())
	}
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get("http://" + Address + "/")
	if err != nil {
		t.Errorf("GET through %s: %v", Address, err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "routed" {
			t.Errorf("GET through %s = %q", Address, b)
		}
	}
	if err := undo(); err != nil {
		t.Fatalf("undo: %v", err)
	}
	if strings.Contains(rules(), tag) {
		t.Errorf("rules left after undo:\n%s", rules())
	}
}
