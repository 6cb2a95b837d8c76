package cluster

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/httpmw/httpmw/tunnel"
	"github.com/httpmw/httpmw/tunnel/server"
)

func TestMain(m *testing.M) {
	if spec := os.Getenv(childNodeEnv); spec != "" {
		runChildNode(spec) // a node for TestKill9OfHoldingNode
		return
	}
	goleak.VerifyTestMain(m)
}

const (
	testToken  = "s3cret"
	otherToken = "0ther"
	testTTL    = 2 * time.Second
)

// testCluster is n nodes on loopback, sharing one etcd and one dev CA.
type testCluster struct {
	t     *testing.T
	etcd  *etcdProc
	ca    *server.DevCA
	nodes []*Node
	done  []chan struct{}
}

func newTestCluster(t *testing.T, n int) *testCluster {
	t.Helper()
	return newTestClusterWith(t, n, nil)
}

// newTestClusterWith lets tweak change node i's configuration.
func newTestClusterWith(t *testing.T, n int, tweak func(i int, c *Config)) *testCluster {
	t.Helper()
	e := startEtcd(t)
	ca, err := server.NewDevCA()
	if err != nil {
		t.Fatal(err)
	}
	tc := &testCluster{t: t, etcd: e, ca: ca}
	for i := range n {
		cfg := tc.nodeConfig(string(rune('a' + i)))
		if tweak != nil {
			tweak(i, &cfg)
		}
		tc.addNode(cfg)
	}
	for _, nd := range tc.nodes {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err := nd.WaitReady(ctx)
		cancel()
		if err != nil {
			t.Fatalf("node %s got no lease: %v", nd.cfg.Name, err)
		}
	}
	return tc
}

func (tc *testCluster) nodeConfig(name string) Config {
	return Config{
		Server: server.Config{
			Domain:          "example.test",
			TunnelAddr:      "127.0.0.1:0",
			HTTPAddr:        "127.0.0.1:0",
			HTTPSAddr:       "127.0.0.1:0",
			Tokens:          map[string]string{testToken: "tester", otherToken: "other"},
			DevCA:           tc.ca,
			ShutdownTimeout: 500 * time.Millisecond,
		},
		Endpoints: []string{tc.etcd.url},
		Name:      "node-" + name,
		Advertise: "127.0.0.1:0",
		LeaseTTL:  testTTL,
		// A short store timeout keeps the outage test quick.
		StoreTimeout:       time.Second,
		ForwardDialTimeout: time.Second,
	}
}

func (tc *testCluster) addNode(cfg Config) *Node {
	t := tc.t
	t.Helper()
	nd, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		nd.Serve(context.Background())
	}()
	t.Cleanup(func() {
		nd.Close()
		<-done
	})
	tc.nodes = append(tc.nodes, nd)
	tc.done = append(tc.done, done)
	return nd
}

// client is a tunnel client of the project for subdomain sub, connecting
// first to node first and then to the others in turn.
func (tc *testCluster) client(sub string, first int) tunnel.Config {
	var others []string
	for i, nd := range tc.nodes {
		if i != first {
			others = append(others, nd.Server().TunnelAddr().String())
		}
	}
	return tunnel.Config{
		Server:     tc.nodes[first].Server().TunnelAddr().String(),
		Servers:    others,
		TLSConfig:  &tls.Config{RootCAs: tc.ca.Pool(), ServerName: "localhost"},
		AuthToken:  testToken,
		Endpoint:   tunnel.Endpoint{Subdomain: sub},
		ProxyPool:  2,
		BackoffMin: 50 * time.Millisecond,
		BackoffMax: 250 * time.Millisecond,
	}
}

// listen opens a tunnel that answers "<sub> <X-Forwarded-For>".
func (tc *testCluster) listen(cfg tunnel.Config) (*tunnel.Listener, error) {
	return tc.listenWith(cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, cfg.Subdomain+" "+r.Header.Get("X-Forwarded-For"))
	}))
}

// listenWith opens a tunnel served by h until the test ends.
func (tc *testCluster) listenWith(cfg tunnel.Config, h http.Handler) (*tunnel.Listener, error) {
	l, err := tunnel.Listen(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h}
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(l)
	}()
	tc.t.Cleanup(func() {
		l.Close()
		<-served
		srv.Close()
	})
	return l, nil
}

// publicClient sends requests from 127.0.0.2, so that the client address
// a tunnel sees can be told from the nodes' (127.0.0.1).
func publicClient() *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	return &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true},
	}
}

// get asks node nd for http://<sub>.example.test/ and returns the status
// and body.
func get(t *testing.T, nd *Node, sub string) (int, string, error) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+nd.Server().HTTPAddr().String()+"/", nil)
	req.Host = sub + ".example.test"
	c := publicClient()
	defer c.CloseIdleConnections()
	res, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, string(b), err
}

// eventually polls f until it returns nil or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v: %v", what, within, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func answers(t *testing.T, nd *Node, sub, want string) func() error {
	return func() error {
		code, body, err := get(t, nd, sub)
		if err != nil {
			return err
		}
		if code != 200 || body != want {
			return errors.New(http.StatusText(code) + ": " + body)
		}
		return nil
	}
}
