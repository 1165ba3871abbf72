package testimage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/ecskit/ecs/runtime/docker"
)

// SDKRepository is the repository of the SDK test image's tag.
const SDKRepository = "ecskit-testapp-sdk"

// Labels of the SDK test image, besides ecskit.test=1.
const (
	sdkImageLabel = "ecskit.testimage.sdk"
	sdkHashLabel  = "ecskit.testimage.sdk.hash"
)

// sdkPackage is the program of the SDK test image: ./sdkcheck, which uses
// aws-sdk-go-v2 and so is built inside this module.
const sdkPackage = "github.com/ecskit/ecs/internal/testimage/sdkcheck"

// SDKImage returns the tag of the SDK test image on rt's engine, building
// it if the engine lacks it: a FROM scratch image holding the static
// program of ./sdkcheck as /app. It fails t when the image cannot be
// built.
func SDKImage(t testing.TB, rt *docker.Runtime) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	tag, err := EnsureSDK(ctx, rt)
	if err != nil {
		t.Fatalf("testimage: %v", err)
	}
	return tag
}

// EnsureSDK returns the tag of the SDK test image on rt's engine,
// building it if the engine lacks it. The tag is a hash of the program,
// the module's go.mod and go.sum, the Go version and the architecture.
func EnsureSDK(ctx context.Context, rt *docker.Runtime) (string, error) {
	info, err := rt.Info(ctx)
	if err != nil {
		return "", err
	}
	goarch, err := goArch(info.Architecture)
	if err != nil {
		return "", err
	}
	root, err := moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", goruntime.Version(), goarch)
	for _, f := range []string{"go.mod", "go.sum", "internal/testimage/sdkcheck/main.go"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			return "", fmt.Errorf("testimage: %w", err)
		}
		h.Write(b)
	}
	hash := hex.EncodeToString(h.Sum(nil))[:16]
	tag := SDKRepository + ":" + hash

	mu.Lock()
	defer mu.Unlock()
	key := rt.Host() + " " + tag
	if built[key] {
		return tag, nil
	}
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
		bin, err := compileInModule(ctx, root, goarch)
		if err != nil {
			return "", err
		}
		if err := packageImage(ctx, rt, tag, bin, map[string]string{testLabel: "1", sdkImageLabel: "1", sdkHashLabel: hash}); err != nil {
			return "", err
		}
		removeStaleOf(ctx, rt, sdkImageLabel, sdkHashLabel, hash)
	}
	built[key] = true
	return tag, nil
}

// moduleRoot is the directory of this module's go.mod, as the go command
// finds it from the working directory (a test's package directory).
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, goCommand(), "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("testimage: go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("testimage: not inside the ecskit module")
	}
	return filepath.Dir(gomod), nil
}

// compileInModule builds a static linux binary of the SDK program.
func compileInModule(ctx context.Context, root, goarch string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "ecskit-testapp-sdk-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "app")
	cmd := exec.CommandContext(ctx, goCommand(), "build", "-trimpath", "-ldflags=-s -w", "-o", out, sdkPackage)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch, "GOWORK=off", "GOFLAGS=-buildvcs=false")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("testimage: go build %s: %v\n%s", sdkPackage, err, stderr.String())
	}
	return os.ReadFile(out)
}

// goCommand is the go binary: on PATH, else under GOROOT.
func goCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}
