package docker_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecskit/ecs/runtime/docker"
)

// pki is a throwaway CA with a server certificate for 127.0.0.1 and a
// client certificate, written as DOCKER_CERT_PATH expects.
type pki struct {
	dir    string
	pool   *x509.CertPool
	server tls.Certificate
	client tls.Certificate
}

func newPKI(t *testing.T) pki {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ecskit test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, usage x509.ExtKeyUsage, ips []net.IP) (tls.Certificate, []byte, []byte) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "ecskit test"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: ips,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, _ := x509.MarshalECPrivateKey(key)
		certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			t.Fatal(err)
		}
		return pair, certPEM, keyPEM
	}
	p := pki{dir: t.TempDir(), pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	p.server, _, _ = issue(2, x509.ExtKeyUsageServerAuth, []net.IP{net.ParseIP("127.0.0.1")})
	var certPEM, keyPEM []byte
	p.client, certPEM, keyPEM = issue(3, x509.ExtKeyUsageClientAuth, nil)
	for name, b := range map[string][]byte{
		"ca.pem":   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		"cert.pem": certPEM,
		"key.pem":  keyPEM,
	} {
		if err := os.WriteFile(filepath.Join(p.dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// fakeEngine serves just enough of the engine API (ping, info) over mutual
// TLS on loopback, and counts the requests that came with a verified
// client certificate.
func fakeEngine(t *testing.T, p pki) (host string, verified *atomic.Int32) {
	t.Helper()
	verified = new(atomic.Int32)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 {
			verified.Add(1)
		}
		w.Header().Set("Api-Version", "1.41")
		w.Header().Set("Ostype", "linux")
		switch {
		case strings.HasSuffix(r.URL.Path, "/_ping"):
			w.Write([]byte("OK"))
		case strings.HasSuffix(r.URL.Path, "/v1.41/info"):
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"NCPU":3,"MemTotal":1073741824,"OSType":"linux","Architecture":"aarch64","ServerVersion":"fake","Name":"tls-engine"}`))
		default:
			http.Error(w, `{"message":"not here"}`, http.StatusNotFound)
		}
	}))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{p.server},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    p.pool,
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return "tcp://" + srv.Listener.Addr().String(), verified
}

// checkInfo asks the engine behind rt for its info.
func checkInfo(t *testing.T, rt *docker.Runtime, verified *atomic.Int32) {
	t.Helper()
	defer rt.Close()
	verified.Store(0)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	in, err := rt.Info(ctx)
	if err != nil {
		t.Fatalf("Info over TLS: %v", err)
	}
	if in.Name != "tls-engine" || in.Architecture != "arm64" || in.CPUs != 3 {
		t.Errorf("Info = %+v", in)
	}
	if verified.Load() == 0 {
		t.Error("no request carried a verified client certificate")
	}
}

func TestTLSFromEnvironment(t *testing.T) {
	p := newPKI(t)
	host, verified := fakeEngine(t, p)
	t.Setenv("DOCKER_HOST", host)
	t.Setenv("DOCKER_CERT_PATH", p.dir)
	t.Setenv("DOCKER_TLS_VERIFY", "1")
	rt, err := docker.New()
	if err != nil {
		t.Fatal(err)
	}
	checkInfo(t, rt, verified)
}

func TestTLSExplicit(t *testing.T) {
	p := newPKI(t)
	host, verified := fakeEngine(t, p)
	t.Setenv("DOCKER_HOST", "unix:///nonexistent.sock") // ignored
	t.Run("files", func(t *testing.T) {
		rt, err := docker.New(docker.WithoutEnv(), docker.WithHost(host), docker.WithTLSFiles(
			filepath.Join(p.dir, "ca.pem"), filepath.Join(p.dir, "cert.pem"), filepath.Join(p.dir, "key.pem")))
		if err != nil {
			t.Fatal(err)
		}
		checkInfo(t, rt, verified)
	})
	t.Run("config", func(t *testing.T) {
		rt, err := docker.New(docker.WithHost(host), docker.WithTLSConfig(&tls.Config{
			RootCAs: p.pool, Certificates: []tls.Certificate{p.client}, MinVersion: tls.VersionTLS12,
		}))
		if err != nil {
			t.Fatal(err)
		}
		checkInfo(t, rt, verified)
	})
}

func TestTLSVerifyDefaultsToHomeCerts(t *testing.T) {
	p := newPKI(t)
	host, verified := fakeEngine(t, p)
	home := t.TempDir()
	if err := os.Rename(p.dir, filepath.Join(home, ".docker")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	t.Setenv("DOCKER_HOST", host)
	t.Setenv("DOCKER_CERT_PATH", "")
	t.Setenv("DOCKER_TLS_VERIFY", "1")
	rt, err := docker.New()
	if err != nil {
		t.Fatal(err)
	}
	checkInfo(t, rt, verified)
}
