package taskmeta

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadCredentialsFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", `{"arn:aws:iam::1:role/app": {"accessKeyId": "AKIA1", "secretAccessKey": "s3cr3t", "sessionToken": "tok"}}`)
	p, err := LoadCredentialsFile(good)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	p.Now = func() time.Time { return now }
	c, err := p.Credentials(context.Background(), "arn:aws:iam::1:role/app")
	if err != nil || c.AccessKeyID != "AKIA1" || c.SecretAccessKey != "s3cr3t" || c.SessionToken != "tok" || !c.Expiration.Equal(now.Add(time.Hour)) {
		t.Errorf("Credentials = %v, %v", c, err)
	}
	if _, err := p.Credentials(context.Background(), "arn:aws:iam::1:role/other"); !errors.Is(err, ErrRoleNotServed) {
		t.Errorf("unknown role: %v, want ErrRoleNotServed", err)
	}
	for name, body := range map[string]string{
		"list.json":     `[{"accessKeyId": "AKIA1"}]`,
		"nokey.json":    `{"arn:aws:iam::1:role/app": {"secretAccessKey": "s3cr3t"}}`,
		"nosecret.json": `{"arn:aws:iam::1:role/app": {"accessKeyId": "AKIA1", "sessionToken": "tok-s3cr3t"}}`,
	} {
		_, err := LoadCredentialsFile(write(name, body))
		if err == nil || strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "AKIA1") {
			t.Errorf("%s: err %v, want an error that names no key", name, err)
		}
	}
	if _, err := LoadCredentialsFile(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing file loaded")
	}
}

func TestAssumeRoleFailure(t *testing.T) {
	got := AssumeRoleFailure("arn:aws:iam::1:role/x")
	want := "ECS was unable to assume the role 'arn:aws:iam::1:role/x' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role."
	if got != want {
		t.Errorf("got %q", got)
	}
}
