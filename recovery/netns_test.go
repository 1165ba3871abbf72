package recovery_test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/ecskit/ecs/internal/testutil"
)

// netns is a network namespace joined to the host by a veth pair: the host
// end has hostIP, the namespace end nsIP. Cut and Mend take the link down
// and up again, which cuts every process in the namespace off the host.
type netns struct {
	t            *testing.T
	name         string
	hostIf, nsIf string
	hostIP, nsIP string
}

// newNetns creates a namespace, or skips the test when this machine does
// not allow it and CI does not require it.
func newNetns(t *testing.T, subnet int) *netns {
	t.Helper()
	if os.Geteuid() != 0 {
		testutil.Unavailable(t, "%s", "network namespaces need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		testutil.Unavailable(t, "%s", "the ip command (iproute2) is not installed")
	}
	var b [3]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	n := &netns{
		t: t, name: "ecskit-" + id, hostIf: "ekh" + id, nsIf: "ekn" + id,
		hostIP: fmt.Sprintf("10.213.%d.1", subnet), nsIP: fmt.Sprintf("10.213.%d.2", subnet),
	}
	if err := n.ip("netns", "add", n.name); err != nil {
		testutil.Unavailable(t, "%s", "cannot create a network namespace: "+err.Error())
	}
	t.Cleanup(func() {
		_ = n.ip("link", "del", n.hostIf)
		_ = n.ip("netns", "del", n.name)
	})
	steps := [][]string{
		{"link", "add", n.hostIf, "type", "veth", "peer", "name", n.nsIf},
		{"link", "set", n.nsIf, "netns", n.name},
		{"addr", "add", n.hostIP + "/30", "dev", n.hostIf},
		{"link", "set", n.hostIf, "up"},
		{"netns", "exec", n.name, "ip", "addr", "add", n.nsIP + "/30", "dev", n.nsIf},
		{"netns", "exec", n.name, "ip", "link", "set", n.nsIf, "up"},
		{"netns", "exec", n.name, "ip", "link", "set", "lo", "up"},
	}
	for _, s := range steps {
		if err := n.ip(s...); err != nil {
			t.Fatalf("set up namespace: ip %s: %v", strings.Join(s, " "), err)
		}
	}
	return n
}

func (n *netns) ip(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// command runs bin inside the namespace.
func (n *netns) command(bin string, args ...string) (string, []string) {
	return "ip", append([]string{"netns", "exec", n.name, bin}, args...)
}

// Cut takes the link down: nothing crosses between host and namespace.
func (n *netns) Cut() {
	n.t.Helper()
	if err := n.ip("link", "set", n.hostIf, "down"); err != nil {
		n.t.Fatal(err)
	}
}

// Mend brings the link back up.
func (n *netns) Mend() {
	n.t.Helper()
	if err := n.ip("link", "set", n.hostIf, "up"); err != nil {
		n.t.Fatal(err)
	}
}
