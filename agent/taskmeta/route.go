package taskmeta

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// Address is where containers reach the endpoint on ECS: 169.254.170.2:80.
const Address = "169.254.170.2"

// Route makes Address:80 reach the endpoint listening on 127.0.0.1:port of
// this host, as the ECS agent does, and returns what undoes it:
//
//   - nat PREROUTING, from the bridge: DNAT to 127.0.0.1:port (containers
//     in bridge mode), with route_localnet set on the bridge;
//   - nat OUTPUT: REDIRECT to port (containers in host mode);
//   - filter FORWARD and OUTPUT: REJECT whatever else is sent to Address,
//     so that nothing meant for the endpoint ever leaves the host.
//
// It needs iptables and the privileges to change the host's firewall and
// sysctls; on error nothing is left behind. Each rule carries the comment
// "ecskit-agent:<port>"; rules are inserted first, so the agent that
// routed last wins until it undoes its rules.
func Route(ctx context.Context, bridge string, port int) (undo func() error, err error) {
	ipt, err := exec.LookPath("iptables")
	if err != nil {
		return nil, fmt.Errorf("taskmeta: route %s: %w", Address, err)
	}
	if _, err := net.InterfaceByName(bridge); err != nil {
		return nil, fmt.Errorf("taskmeta: route %s: bridge %s: %w", Address, bridge, err)
	}
	comment := []string{"-m", "comment", "--comment", "ecskit-agent:" + strconv.Itoa(port)}
	dst := []string{"-d", Address + "/32"}
	web := []string{"-p", "tcp", "-m", "tcp", "--dport", "80"}
	rules := [][]string{
		join([]string{"-t", "nat", "PREROUTING", "-i", bridge}, dst, web, comment, []string{"-j", "DNAT", "--to-destination", "127.0.0.1:" + strconv.Itoa(port)}),
		join([]string{"-t", "nat", "OUTPUT"}, dst, web, comment, []string{"-j", "REDIRECT", "--to-ports", strconv.Itoa(port)}),
		join([]string{"-t", "filter", "FORWARD"}, dst, comment, []string{"-j", "REJECT"}),
		join([]string{"-t", "filter", "OUTPUT"}, dst, comment, []string{"-j", "REJECT"}),
	}
	var undos []func() error
	undoAll := func() error {
		var errs []error
		for i := len(undos) - 1; i >= 0; i-- {
			errs = append(errs, undos[i]())
		}
		return errors.Join(errs...)
	}
	for _, r := range rules {
		table, chain, spec := r[:2], r[2], r[3:]
		if err := run(ctx, ipt, join(table, []string{"-I", chain}, spec)...); err != nil {
			_ = undoAll()
			return nil, err
		}
		undos = append(undos, func() error { return run(context.Background(), ipt, join(table, []string{"-D", chain}, spec)...) })
	}
	sysctl := "/proc/sys/net/ipv4/conf/" + bridge + "/route_localnet"
	old, err := os.ReadFile(sysctl)
	if err == nil {
		err = os.WriteFile(sysctl, []byte("1"), 0o644)
	}
	if err != nil {
		_ = undoAll()
		return nil, fmt.Errorf("taskmeta: route %s: route_localnet: %w", Address, err)
	}
	if strings.TrimSpace(string(old)) != "1" {
		undos = append(undos, func() error { return os.WriteFile(sysctl, old, 0o644) })
	}
	return undoAll, nil
}

func run(ctx context.Context, name string, args ...string) error {
	out, err := exec.CommandContext(ctx, name, append([]string{"-w"}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("taskmeta: iptables %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func join(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// BridgeGateway returns the first IPv4 address of the bridge interface:
// what containers in bridge mode reach the host at.
func BridgeGateway(bridge string) (net.IP, error) {
	ifc, err := net.InterfaceByName(bridge)
	if err != nil {
		return nil, err
	}
	addrs, err := ifc.Addrs()
	if err != nil {
		return nil, err
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
			return n.IP.To4(), nil
		}
	}
	return nil, fmt.Errorf("bridge %s has no IPv4 address", bridge)
}
