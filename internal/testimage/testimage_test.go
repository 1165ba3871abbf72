package testimage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ecskit/ecs/internal/dockertest"
	"github.com/ecskit/ecs/internal/testimage"
)

func TestImageIsCached(t *testing.T) {
	rt := dockertest.Runtime(t)
	tag := testimage.Image(t, rt)
	if !strings.HasPrefix(tag, testimage.Repository+":") {
		t.Errorf("tag = %q", tag)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if ok, err := rt.ImagePresent(ctx, tag); !ok || err != nil {
		t.Fatalf("ImagePresent(%s) = %v, %v", tag, ok, err)
	}
	id1, err := rt.ImageID(ctx, tag)
	if err != nil {
		t.Fatal(err)
	}
	if again := testimage.Image(t, rt); again != tag {
		t.Errorf("second Image = %q, want %q", again, tag)
	}
	if id2, err := rt.ImageID(ctx, tag); err != nil || id2 != id1 {
		t.Errorf("image rebuilt: %s then %s (%v)", id1, id2, err)
	}
}
