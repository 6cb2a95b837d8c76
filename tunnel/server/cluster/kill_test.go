package cluster

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/httpmw/httpmw/tunnel/server"
)

// childNodeEnv makes the test binary run one node: "etcdURL|caDir".
const childNodeEnv = "HTTPMW_CLUSTER_TEST_NODE"

// runChildNode runs a node in this process, prints its tunnel address
// and serves until it is killed.
func runChildNode(spec string) {
	etcd, dir, _ := strings.Cut(spec, "|")
	certPEM, _ := os.ReadFile(filepath.Join(dir, "ca.pem"))
	keyPEM, _ := os.ReadFile(filepath.Join(dir, "ca-key.pem"))
	ca, err := server.LoadDevCA(certPEM, keyPEM)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	tc := &testCluster{etcd: &etcdProc{url: etcd}, ca: ca}
	n, err := New(tc.nodeConfig("child"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	go func() {
		n.WaitReady(context.Background())
		fmt.Println(n.Server().TunnelAddr().String())
	}()
	n.Serve(context.Background())
}

// kill -9 of the node holding a tunnel (a process of its own): the
// client is back on a surviving node and its URL answers again within
// the lease TTL plus the reconnect backoff (measured and logged).
func TestKill9OfHoldingNode(t *testing.T) {
	tc := newTestCluster(t, 1)
	dir := t.TempDir()
	key, err := tc.ca.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "ca.pem"), tc.ca.CertPEM(), 0o600)
	os.WriteFile(filepath.Join(dir, "ca-key.pem"), key, 0o600)
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childNodeEnv+"="+tc.etcd.url+"|"+dir)
	child.Stderr = os.Stderr
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { child.Wait(); close(exited) }()
	t.Cleanup(func() { child.Process.Kill(); <-exited })
	var childTunnel string
	if _, err := fmt.Fscanln(bufio.NewReader(out), &childTunnel); err != nil {
		t.Fatalf("child node: %v", err)
	}

	survivor := tc.nodes[0]
	cfg := tc.client("nine", 0)
	cfg.Server, cfg.Servers = childTunnel, []string{survivor.Server().TunnelAddr().String()}
	eventually(t, 20*time.Second, "tunnel on the child node", func() error {
		_, err := tc.listen(cfg) // "try again" until the child has its lease
		return err
	})
	eventually(t, 5*time.Second, "tunnel answers via the survivor", answers(t, survivor, "nine", "nine 127.0.0.2"))
	if v, ok, _ := survivor.reg.table.lookup(survivor.reg.key("http/nine.example.test")); !ok || v.Node != "node-child" {
		t.Fatalf("before the kill the name is held by %q; want node-child", v.Node)
	}
	killed := time.Now()
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	eventually(t, 30*time.Second, "tunnel answers again after kill -9", answers(t, survivor, "nine", "nine 127.0.0.2"))
	took := time.Since(killed)
	bound := testTTL + cfg.BackoffMax + 5*time.Second // + slack for a loaded machine
	t.Logf("failover after kill -9: %v (lease TTL %v, backoff max %v)", took, testTTL, cfg.BackoffMax)
	if took > bound {
		t.Errorf("failover took %v; want within lease TTL + backoff + slack = %v", took, bound)
	}
}
