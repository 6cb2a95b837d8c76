package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/httpmw/httpmw/tunnel/server"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// start runs the command with args and returns the server once it listens.
func start(t *testing.T, args ...string) (*server.Server, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan *server.Server, 1)
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() { done <- run(ctx, args, &out, io.Discard, func(s *server.Server) { ready <- s }) }()
	select {
	case srv := <-ready:
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
		})
		return srv, out.String()
	case err := <-done:
		cancel()
		t.Fatalf("run: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("not listening after 10s")
	}
	return nil, ""
}

func TestDevModeMakesCAOnceAndServesHTTPS(t *testing.T) {
	dir := t.TempDir()
	args := []string{"-dev", "-devDir", dir, "-domain", "example.test", "-tunnelAddr", "127.0.0.1:0",
		"-httpAddr", "", "-httpsAddr", "127.0.0.1:0", "-token", "s3cret=alice", "-log-level", "ERROR"}
	srv, out := start(t, args...)
	caFile := filepath.Join(dir, "ca.pem")
	if !strings.Contains(out, "SSL_CERT_FILE="+caFile) || !strings.Contains(out, "http on (off)") {
		t.Fatalf("output:\n%s", out)
	}
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "ca-key.pem")); fi == nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("CA key missing or readable by others: %v", fi)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, srv.HTTPSAddr().String())
		},
	}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Get("https://demo.example.test/")
	if err != nil {
		t.Fatalf("https with the dev CA: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 404 || string(body) != "Tunnel demo.example.test not found" {
		t.Fatalf("got %d %q", res.StatusCode, body)
	}
	// The tunnel port verifies with the same CA.
	c, err := tls.Dial("tcp", srv.TunnelAddr().String(), &tls.Config{RootCAs: pool, ServerName: "example.test"})
	if err != nil {
		t.Fatalf("tunnel port with the dev CA: %v", err)
	}
	c.Close()

	// A second run keeps the CA.
	start(t, args...)
	again, _ := os.ReadFile(caFile)
	if !bytes.Equal(again, caPEM) {
		t.Fatal("second run replaced the CA")
	}
}

func TestFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-tunnelAddr", "127.0.0.1:0", "-httpAddr", "127.0.0.1:0", "-httpsAddr", "", "-token", "x=y"},                // no certificate
		{"-dev", "-devDir", t.TempDir(), "-tunnelAddr", "127.0.0.1:0", "-httpAddr", "127.0.0.1:0", "-httpsAddr", ""}, // no tokens
		{"-dev", "-token", "novalue"},
		{"-dev", "-tcpPorts", "9-"},
	} {
		err := run(context.Background(), args, io.Discard, io.Discard, nil)
		if err == nil {
			t.Fatalf("%v: no error", args)
		}
	}
}

// TestDevCertificatesInCurlAndGo is issue 16 item 7: with -dev, curl with
// the printed --cacert hint and Go's TLS client both accept the
// certificate of https://demo.localhost:PORT and of the other names a
// user types, and each certificate names its host once.
func TestDevCertificatesInCurlAndGo(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("SKIPPED LOUDLY: curl is not installed (apt-get install curl); CI must install it")
	}
	dir := t.TempDir()
	srv, out := start(t, "-dev", "-devDir", dir, "-domain", "localhost", "-tunnelAddr", "127.0.0.1:0",
		"-httpAddr", "", "-httpsAddr", "127.0.0.1:0", "-token", "s3cret=alice", "-log-level", "ERROR")
	caFile := filepath.Join(dir, "ca.pem")
	if !strings.Contains(out, "curl --cacert "+caFile) {
		t.Fatalf("no --cacert hint in:\n%s", out)
	}
	_, port, _ := net.SplitHostPort(srv.HTTPSAddr().String())
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)

	for _, host := range []string{"demo.localhost", "localhost", "a.b.localhost", "127.0.0.1"} {
		url := "https://" + net.JoinHostPort(host, port) + "/"
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := exec.CommandContext(ctx, curl, "-sS", "--cacert", caFile, "--resolve", host+":"+port+":127.0.0.1",
			"-w", " %{http_code}", url)
		got, err := cmd.CombinedOutput()
		cancel()
		want := "Tunnel " + net.JoinHostPort(host, port) + " not found 404"
		if err != nil || string(got) != want {
			t.Fatalf("curl %s: %v\n%s\nwant %q", url, err, got, want)
		}

		// Go's client, and the names in the certificate it got.
		c, err := tls.Dial("tcp", srv.HTTPSAddr().String(), &tls.Config{RootCAs: pool, ServerName: host})
		if err != nil {
			t.Fatalf("Go TLS to %s: %v", host, err)
		}
		leaf := c.ConnectionState().PeerCertificates[0]
		c.Close()
		names := append([]string{}, leaf.DNSNames...)
		for _, ip := range leaf.IPAddresses {
			names = append(names, ip.String())
		}
		if len(names) != 1 || names[0] != host {
			t.Fatalf("certificate for %s names %v, want just %s", host, names, host)
		}
	}
	// The tunnel port too, under the names clients dial.
	for _, host := range []string{"localhost", "127.0.0.1"} {
		c, err := tls.Dial("tcp", srv.TunnelAddr().String(), &tls.Config{RootCAs: pool, ServerName: host})
		if err != nil {
			t.Fatalf("tunnel port as %s: %v", host, err)
		}
		c.Close()
	}
}
