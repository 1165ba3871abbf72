package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMetadataConfig(t *testing.T) {
	file := filepath.Join(t.TempDir(), "roles.json")
	if err := os.WriteFile(file, []byte(`{"arn:aws:iam::1:role/app": {"accessKeyId": "AKIA1", "secretAccessKey": "s3cr3t"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if mc, err := metadataConfig("", true, "", false); err != nil || mc.Enabled {
		t.Errorf("no flags: %+v, %v; want off", mc, err)
	}
	if mc, err := metadataConfig("", true, file, false); err != nil || !mc.Enabled || mc.Listen != "127.0.0.1:51679" || mc.NoRoute || mc.Credentials == nil {
		t.Errorf("-task-credentials: %+v, %v", mc, err)
	}
	if mc, err := metadataConfig("127.0.0.1:9", true, file, true); err != nil || mc.Listen != "127.0.0.1:0" || !mc.NoRoute {
		t.Errorf("fake engine: %+v, %v; want a free port, no route", mc, err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"arn:aws:iam::1:role/app": {"accessKeyId": "AKIA1"}}`), 0o600)
	if _, err := metadataConfig("", true, bad, false); err == nil || !strings.Contains(err.Error(), "secretAccessKey") {
		t.Errorf("bad file: %v", err)
	}
}
