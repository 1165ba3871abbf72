// Package testimage builds ecskit's test image without a registry: it
// compiles the static program in ./app (CGO_ENABLED=0) for the engine's
// architecture and builds a FROM scratch image holding it as /app (the
// entrypoint), through the engine's build API with an in-memory context.
//
// The image is tagged by a hash of the program's source, the Go version and
// the architecture, and kept between runs as a cache: a test run builds it
// only when the program changed, and then removes the test images of older
// versions. It carries the labels ecskit.test=1, ecskit.testimage=1 and
// ecskit.testimage.hash=<hash>. Concurrent test processes build it once:
// they take a file lock in the temporary directory around the build.
//
// See ./app for what the program can do.
package testimage

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ecskit/ecs/runtime/docker"
)

//go:embed app/main.go
var source embed.FS

// Repository is the repository of the test image's tag.
const Repository = "ecskit-testapp"

// Labels of the test image: everything tests make carries testLabel; the
// test image also carries imageLabel and its version's hash.
const (
	testLabel  = "ecskit.test"
	imageLabel = "ecskit.testimage"
	hashLabel  = "ecskit.testimage.hash"
)

// built remembers the tags known present, per engine host, in this process.
var (
	mu    sync.Mutex
	built = map[string]bool{}
)

// Image returns the tag of the test image on rt's engine, building it if
// the engine lacks it. It fails t when the image cannot be built.
func Image(t testing.TB, rt *docker.Runtime) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tag, err := Ensure(ctx, rt)
	if err != nil {
		t.Fatalf("testimage: %v", err)
	}
	return tag
}

// Ensure returns the tag of the test image on rt's engine, building it if
// the engine lacks it.
func Ensure(ctx context.Context, rt *docker.Runtime) (string, error) {
	info, err := rt.Info(ctx)
	if err != nil {
		return "", err
	}
	goarch, err := goArch(info.Architecture)
	if err != nil {
		return "", err
	}
	src, err := fs.ReadFile(source, "app/main.go")
	if err != nil {
		return "", err
	}
	hash := contentHash(src, goarch)
	tag := Repository + ":" + hash

	mu.Lock()
	defer mu.Unlock()
	key := rt.Host() + " " + tag
	if built[key] {
		return tag, nil
	}
	// Test binaries of several packages run at once: one builds, the
	// others wait and find the image.
	unlock, err := lockFile(filepath.Join(os.TempDir(), "ecskit-testimage.lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	present, err := rt.ImagePresent(ctx, tag)
	if err != nil {
		return "", err
	}
	if !present {
		if err := build(ctx, rt, tag, hash, src, goarch); err != nil {
			return "", err
		}
		removeStale(ctx, rt, hash)
	}
	built[key] = true
	return tag, nil
}

// lockFile takes an exclusive lock on path, shared by every process.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, fmt.Errorf("testimage: lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("testimage: lock: %w", err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// contentHash names a version of the program for one architecture.
func contentHash(src []byte, goarch string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", goruntime.Version(), goarch)
	h.Write(src)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// goArch maps an ECS architecture to GOARCH.
func goArch(arch string) (string, error) {
	switch arch {
	case "x86_64":
		return "amd64", nil
	case "arm64":
		return "arm64", nil
	default:
		return "", fmt.Errorf("testimage: no Go architecture for engine architecture %q", arch)
	}
}

// build compiles the program and builds the image.
func build(ctx context.Context, rt *docker.Runtime, tag, hash string, src []byte, goarch string) error {
	bin, err := compile(ctx, src, goarch)
	if err != nil {
		return err
	}
	return packageImage(ctx, rt, tag, bin, map[string]string{testLabel: "1", imageLabel: "1", hashLabel: hash})
}

// packageImage builds a FROM scratch image holding bin as /app, its
// entrypoint.
func packageImage(ctx context.Context, rt *docker.Runtime, tag string, bin []byte, labels map[string]string) error {
	dockerfile := []byte("FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\"]\n")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct {
		name string
		mode int64
		data []byte
	}{{"Dockerfile", 0o644, dockerfile}, {"app", 0o755, bin}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: time.Unix(0, 0)}); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return rt.BuildImage(ctx, tag, &buf, labels)
}

// compile builds a static linux binary of src for goarch.
func compile(ctx context.Context, src []byte, goarch string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "ecskit-testapp-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	files := map[string]string{
		"go.mod":  "module ecskit.test/app\n\ngo 1.22\n",
		"main.go": string(src),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			return nil, err
		}
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	cmd := exec.CommandContext(ctx, goBin, "build", "-ldflags=-s -w", "-o", "app", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch, "GOWORK=off", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("testimage: go build: %v\n%s", err, out)
	}
	return os.ReadFile(filepath.Join(dir, "app"))
}

// removeStale removes the test images of other versions of the program.
// Failures are ignored: a stale image only costs disk space.
func removeStale(ctx context.Context, rt *docker.Runtime, hash string) {
	removeStaleOf(ctx, rt, imageLabel, hashLabel, hash)
}

// removeStaleOf removes the images labelled kind=1 whose hashKey label is
// not hash.
func removeStaleOf(ctx context.Context, rt *docker.Runtime, kind, hashKey, hash string) {
	all, err := rt.ImagesByLabel(ctx, kind, "1")
	if err != nil {
		return
	}
	current, err := rt.ImagesByLabel(ctx, hashKey, hash)
	if err != nil {
		return
	}
	for _, id := range all {
		if !slices.Contains(current, id) {
			_ = rt.RemoveImage(ctx, id)
		}
	}
}
