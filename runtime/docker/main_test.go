package docker_test

import (
	"flag"
	"os"
	"testing"
)

// TestMain raises the default test parallelism: these tests mostly wait
// for the engine (containers starting, exiting, health checks), not for the
// CPU, so GOMAXPROCS (the default -parallel) would serialise them for
// nothing. An explicit -test.parallel wins.
func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		_ = flag.Set("test.parallel", "8")
	}
	os.Exit(m.Run())
}
