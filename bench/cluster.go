package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/httpmw/httpmw/tunnel"
	"github.com/httpmw/httpmw/tunnel/server"
	"github.com/httpmw/httpmw/tunnel/server/cluster"
)

// cluster measures tunnel/server/cluster on a real etcd (Debian's
// etcd-server; without it the rows say "not measured"): a request through
// the node holding the tunnel against one forwarded by another node, and
// the time from kill -9 of the holding node (a process of its own) to the
// tunnel's URL answering again through a survivor.
func clusterComparisons() []Comparison {
	const conns, d = 32, 3 * time.Second
	load := func(forwarded, keepAlive bool) Runner {
		return func() (Figures, error) { return clusterLoad(forwarded, keepAlive, conns, d) }
	}
	return []Comparison{
		{
			Package: "cluster", Case: "keep-alive GET 1KB, our client, c32: forwarded by another node",
			Ours:  load(true, true),
			Peers: []Peer{{"through the holding node", load(false, true)}},
		},
		{
			Package: "cluster", Case: "new connection per GET 1KB, our client, c32: forwarded by another node",
			Ours:  load(true, false),
			Peers: []Peer{{"through the holding node", load(false, false)}},
		},
		{
			Package: "cluster", Case: "kill -9 of the holding node to the URL answering again, lease TTL 2s",
			Ours: clusterFailover,
		},
	}
}

// clusterNodeEnv makes the bench binary run one cluster node (for the
// kill -9 case): etcd URL and dev CA directory, separated by "|".
const clusterNodeEnv = "HTTPMW_BENCH_CLUSTER_NODE"

const clusterTTL = 2 * time.Second

func clusterNodeConfig(etcd string, ca *server.DevCA, name string) cluster.Config {
	return cluster.Config{
		Server: server.Config{
			Domain: "example.test", TunnelAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
			Tokens: map[string]string{"bench-token": "bench"}, DevCA: ca,
			MaxPublicConnsPerAddr: -1,
		},
		Endpoints: []string{etcd}, Name: name, Advertise: "127.0.0.1:0", LeaseTTL: clusterTTL,
	}
}

// startEtcd runs etcd on loopback with a data directory under dir.
func startEtcd(dir string) (url string, stop func(), err error) {
	bin, err := exec.LookPath("etcd")
	if err != nil {
		return "", nil, errors.New("etcd not installed (apt-get install etcd-server)")
	}
	client, err1 := freeAddr()
	peer, err2 := freeAddr()
	if err := errors.Join(err1, err2); err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, "--name", "b", "--data-dir", filepath.Join(dir, "etcd"),
		"--listen-client-urls", "http://"+client, "--advertise-client-urls", "http://"+client,
		"--listen-peer-urls", "http://"+peer, "--initial-advertise-peer-urls", "http://"+peer,
		"--initial-cluster", "b=http://"+peer)
	stop, err = startProcess(cmd)
	if err != nil {
		return "", nil, err
	}
	if err := waitDial(client); err != nil {
		stop()
		return "", nil, err
	}
	return "http://" + client, stop, nil
}

// startNode runs a node in this process until stop.
func startNode(cfg cluster.Config) (*cluster.Node, func(), error) {
	n, err := cluster.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	done := make(chan struct{})
	go func() { n.Serve(context.Background()); close(done) }()
	return n, func() { n.Close(); <-done }, nil
}

// clusterTunnel opens an http tunnel serving a 1 KB page on the node at
// tunnelAddr, retrying while the node has no lease yet ("try again").
func clusterTunnel(ca *server.DevCA, tunnelAddr string, servers []string) (stop func(), err error) {
	cfg := tunnel.Config{
		Server: tunnelAddr, Servers: servers,
		TLSConfig: &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost"},
		AuthToken: "bench-token", Endpoint: tunnel.Endpoint{Subdomain: "bench"},
		BackoffMin: 50 * time.Millisecond, BackoffMax: 250 * time.Millisecond,
	}
	var l *tunnel.Listener
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if l, err = tunnel.Listen(context.Background(), cfg); err == nil {
			break
		}
		var te *tunnel.TunnelError
		if !errors.As(err, &te) || !te.Temporary() || time.Now().After(deadline) {
			return nil, err
		}
	}
	page := strings.Repeat("x", 1024)
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, page) })}
	go hs.Serve(l)
	return func() { l.Close(); hs.Close() }, nil
}

// clusterBase makes a state folder, starts etcd in it and makes the
// development CA the nodes share; stop removes them.
func clusterBase() (dir, etcd string, ca *server.DevCA, stop func(), err error) {
	if dir, err = os.MkdirTemp("", "bench-cluster"); err != nil {
		return "", "", nil, nil, err
	}
	etcd, stopEtcd, err := startEtcd(dir)
	if err != nil {
		os.RemoveAll(dir)
		return "", "", nil, nil, err
	}
	stop = func() { stopEtcd(); os.RemoveAll(dir) }
	if ca, err = server.NewDevCA(); err != nil {
		stop()
		return "", "", nil, nil, err
	}
	return dir, etcd, ca, stop, nil
}

func clusterLoad(forwarded, keepAlive bool, conns int, d time.Duration) (Figures, error) {
	_, etcd, ca, stop, err := clusterBase()
	if err != nil {
		return nil, err
	}
	defer stop()
	holder, stopA, err := startNode(clusterNodeConfig(etcd, ca, "a"))
	if err != nil {
		return nil, err
	}
	defer stopA()
	other, stopB, err := startNode(clusterNodeConfig(etcd, ca, "b"))
	if err != nil {
		return nil, err
	}
	defer stopB()
	stopT, err := clusterTunnel(ca, holder.Server().TunnelAddr().String(), nil)
	if err != nil {
		return nil, err
	}
	defer stopT()
	via := holder
	if forwarded {
		via = other
	}
	addr := via.Server().HTTPAddr().String()
	if err := waitTunnel(addr, "bench.example.test", nil, 10*time.Second); err != nil {
		return nil, err
	}
	return hostLoad(addr, "bench.example.test", conns, d, keepAlive, nil)
}

// clusterFailover measures, in milliseconds, from SIGKILL of the node
// holding the tunnel (a child process) to the first 200 through the
// surviving node, with the client's backoff at 50-250 ms.
func clusterFailover() (Figures, error) {
	dir, etcd, ca, stop, err := clusterBase()
	if err != nil {
		return nil, err
	}
	defer stop()
	key, err := ca.KeyPEM()
	if err != nil {
		return nil, err
	}
	if err := errors.Join(os.WriteFile(filepath.Join(dir, "ca.pem"), ca.CertPEM(), 0o600),
		os.WriteFile(filepath.Join(dir, "ca-key.pem"), key, 0o600)); err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	child := exec.Command(self)
	child.Env = append(os.Environ(), clusterNodeEnv+"="+etcd+"|"+dir)
	out, err := child.StdoutPipe()
	if err != nil {
		return nil, err
	}
	kill, err := startProcess(child)
	if err != nil {
		return nil, err
	}
	defer kill()
	var childTunnel string
	if _, err := fmt.Fscanln(bufio.NewReader(out), &childTunnel); err != nil {
		return nil, fmt.Errorf("cluster node child: %w", err)
	}
	survivor, stopB, err := startNode(clusterNodeConfig(etcd, ca, "b"))
	if err != nil {
		return nil, err
	}
	defer stopB()
	stopT, err := clusterTunnel(ca, childTunnel, []string{survivor.Server().TunnelAddr().String()})
	if err != nil {
		return nil, err
	}
	defer stopT()
	addr := survivor.Server().HTTPAddr().String()
	if err := waitTunnel(addr, "bench.example.test", nil, 10*time.Second); err != nil {
		return nil, err
	}
	killed := time.Now()
	kill()
	if err := waitTunnel(addr, "bench.example.test", nil, 30*time.Second); err != nil {
		return nil, fmt.Errorf("no answer within 30s of the kill: %w", err)
	}
	return Figures{"failover ms": float64(time.Since(killed).Milliseconds())}, nil
}

// clusterNode is the child side of clusterFailover: a node that prints its
// tunnel address and serves until killed.
func clusterNode(spec string) {
	etcd, dir, _ := strings.Cut(spec, "|")
	certPEM, err1 := os.ReadFile(filepath.Join(dir, "ca.pem"))
	keyPEM, err2 := os.ReadFile(filepath.Join(dir, "ca-key.pem"))
	if err := errors.Join(err1, err2); err != nil {
		fatal(err)
	}
	ca, err := server.LoadDevCA(certPEM, keyPEM)
	if err != nil {
		fatal(err)
	}
	n, err := cluster.New(clusterNodeConfig(etcd, ca, "a"))
	if err != nil {
		fatal(err)
	}
	go func() {
		n.WaitReady(context.Background()) // so the tunnel is held here
		fmt.Println(n.Server().TunnelAddr().String())
	}()
	n.Serve(context.Background())
}
