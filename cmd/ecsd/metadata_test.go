package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMetadataFlags(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "creds.json")
	if err := os.WriteFile(file, []byte(`{"arn:aws:iam::1:role/app": {"accessKeyId": "AKIA1", "secretAccessKey": "s3cr3t"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args            []string
		enabled, routed bool
		listen          string
		creds           bool
	}{
		{nil, false, true, "", false},
		{[]string{"-task-metadata", "127.0.0.1:0"}, true, true, "127.0.0.1:0", false},
		{[]string{"-task-credentials", file}, true, true, defaultTaskMetadata, true},
		{[]string{"-task-credentials", file, "-task-metadata-route=false", "-task-metadata", "127.0.0.1:9"}, true, false, "127.0.0.1:9", true},
	} {
		cfg, err := parseFlags(tc.args, &strings.Builder{})
		if err != nil {
			t.Fatal(err)
		}
		mc, err := metadataConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if mc.Enabled != tc.enabled || mc.NoRoute == tc.routed || mc.Listen != tc.listen || (mc.Credentials != nil) != tc.creds {
			t.Errorf("%q: %+v", tc.args, mc)
		}
		if fm := fakeMetadata(mc); mc.Enabled && (fm.Listen != "127.0.0.1:0" || !fm.NoRoute || fm.Credentials != mc.Credentials) {
			t.Errorf("%q: fake agents get %+v", tc.args, fm)
		}
	}
}

func TestBadCredentialsFileStopsECSD(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"arn:aws:iam::1:role/app": {"secretAccessKey": "s3cr3t"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	err := run(context.Background(), []string{"-runtime", "none", "-listen", "127.0.0.1:0", "-task-credentials", bad}, func(string) string { return "" }, &stderr)
	if err == nil || !strings.Contains(err.Error(), "accessKeyId") || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("run = %v, want an error naming the missing accessKeyId, not the secret", err)
	}
}
