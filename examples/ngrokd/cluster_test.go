package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw/tunnel"
	"github.com/httpmw/httpmw/tunnel/server"
)

// Two -dev nodes sharing one -devDir and a real etcd, given only -etcd,
// -node and -advertise: a tunnel on node a answers through node b.
func TestDevClusterOfTwoNodes(t *testing.T) {
	etcdURL := startEtcd(t)
	dir := t.TempDir()
	node := func(name string) []string {
		return []string{"-dev", "-devDir", dir, "-domain", "example.test", "-tunnelAddr", "127.0.0.1:0",
			"-httpAddr", "127.0.0.1:0", "-httpsAddr", "", "-token", "s3cret=alice", "-log-level", "ERROR",
			"-etcd", etcdURL, "-node", name, "-advertise", "127.0.0.1:0", "-leaseTTL", "2s"}
	}
	a, out := start(t, node("a")...) // first: it makes the CA
	if !strings.Contains(out, "node a of the cluster") {
		t.Fatalf("output:\n%s", out)
	}
	b, _ := start(t, node("b")...)
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	cfg := tunnel.Config{
		Server:    a.TunnelAddr().String(),
		TLSConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"},
		AuthToken: "s3cret",
		Endpoint:  tunnel.Endpoint{Subdomain: "demo"},
	}
	var l *tunnel.Listener
	deadline := time.Now().Add(20 * time.Second)
	for l == nil {
		// Until node a has its lease, new names get "try again".
		if l, err = tunnel.Listen(context.Background(), cfg); err != nil {
			var te *tunnel.TunnelError
			if !errors.As(err, &te) || !te.Temporary() || time.Now().After(deadline) {
				t.Fatal(err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "via cluster") })}
	served := make(chan struct{})
	go func() { defer close(served); hs.Serve(l) }()
	defer func() { l.Close(); <-served; hs.Close() }()

	// Node b learns of the name through its etcd watch, within
	// milliseconds; until then the name is 404 there.
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		req, _ := http.NewRequest("GET", "http://"+b.HTTPAddr().String()+"/", nil)
		req.Host = "demo.example.test"
		res, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == 200 && string(body) == "via cluster" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("via node b: %d %q", res.StatusCode, body)
		}
	}
}

// startEtcd runs a real etcd on loopback, or skips loudly.
func startEtcd(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("etcd")
	if err != nil {
		t.Skip("SKIPPED: etcd is not installed (apt-get install etcd-server)")
	}
	free := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return "http://" + ln.Addr().String()
	}
	client, peer, dir := free(), free(), t.TempDir()
	cmd := exec.Command(bin, "--name", "t", "--data-dir", filepath.Join(dir, "data"),
		"--listen-client-urls", client, "--advertise-client-urls", client,
		"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "t="+peer)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-done })
	hc := &http.Client{Timeout: time.Second}
	defer hc.CloseIdleConnections()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if res, err := hc.Get(client + "/health"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return client
			}
		}
	}
	t.Fatal("etcd not healthy within 30s")
	return ""
}

func TestClusterFlagsNeedNodeTLS(t *testing.T) {
	o, err := parseFlags([]string{"-etcd", "http://a:1, http://b:2", "-node", "n", "-advertise", "10.0.0.1:7000"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clusterConfig(o.cluster, server.Config{}); err == nil || !strings.Contains(err.Error(), "-nodeCrt") {
		t.Fatalf("no node TLS: %v; want an error naming -nodeCrt", err)
	}
	cfg, err := clusterConfig(o.cluster, server.Config{DevCA: &server.DevCA{}})
	if err != nil || len(cfg.Endpoints) != 2 || cfg.Endpoints[1] != "http://b:2" || cfg.Name != "n" || cfg.Advertise != "10.0.0.1:7000" {
		t.Fatalf("config %+v %v", cfg, err)
	}
}
