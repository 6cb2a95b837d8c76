package cluster

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/httpmw/httpmw/internal/testhttp"
	"github.com/httpmw/httpmw/tunnel"
)

// A public request to any node reaches the tunnel held by another, with
// the public client's address (127.0.0.2, not the node's 127.0.0.1) in
// X-Forwarded-For; a name nobody holds is 404 on every node.
func TestRequestReachesTunnelOnAnotherNode(t *testing.T) {
	tc := newTestCluster(t, 3)
	if _, err := tc.listen(tc.client("demo", 0)); err != nil {
		t.Fatal(err)
	}
	// Other nodes learn of a new name through their watch, within
	// milliseconds; until then it is 404 there.
	for i, nd := range tc.nodes {
		eventually(t, 5*time.Second, fmt.Sprintf("demo via node %d", i), answers(t, nd, "demo", "demo 127.0.0.2"))
	}
	for i, nd := range tc.nodes {
		if code, _, err := get(t, nd, "nobody"); err != nil || code != 404 {
			t.Fatalf("unknown name via node %d: %d %v; want 404", i, code, err)
		}
	}
}

// A request forwarded to a node that does not hold the name is not
// forwarded again: 502.
func TestForwardedRequestIsNeverForwardedAgain(t *testing.T) {
	tc := newTestCluster(t, 2)
	if _, err := tc.listen(tc.client("demo", 0)); err != nil {
		t.Fatal(err)
	}
	// Act as node 0 forwarding to node 1, which does not hold demo.
	tr := &http.Transport{TLSClientConfig: tc.nodes[0].tls.dial.Clone()}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("GET", "https://"+tc.nodes[1].cfg.Advertise+"/", nil)
	req.Host = "demo.example.test"
	req.Header.Set("X-Httpmw-Node-Client", "127.0.0.9:1234")
	req.Header.Set("X-Httpmw-Node-Proto", "http")
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadGateway {
		t.Fatalf("forwarded to a node without the name: %d; want 502", res.StatusCode)
	}
	// Without a node certificate the node listener refuses the
	// connection: public clients cannot claim to be a node.
	bare := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: tc.ca.Pool()}}
	defer bare.CloseIdleConnections()
	req2, _ := http.NewRequest("GET", "https://"+tc.nodes[0].cfg.Advertise+"/", nil)
	req2.Host = "demo.example.test"
	if res, err := bare.RoundTrip(req2); err == nil {
		res.Body.Close()
		t.Fatalf("node listener answered %d without a client certificate", res.StatusCode)
	}
}

// A stale entry (its node gone) answers 502 quickly, not after a hang.
func TestStaleEntryAnswers502Quickly(t *testing.T) {
	tc := newTestCluster(t, 1)
	gone := testhttp.FreeAddr(t) // nothing listens here
	v := fmt.Sprintf(`{"node":"node-gone","addr":%q,"session":"x","nonce":"y"}`, gone)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := tc.nodes[0].cli.Put(ctx, tc.nodes[0].reg.key("http/ghost.example.test"), v); err != nil {
		t.Fatal(err)
	}
	// The node learns of the entry through its watch; then each request
	// is one refused dial.
	eventually(t, 5*time.Second, "stale entry answers 502", func() error {
		if code, _, err := get(t, tc.nodes[0], "ghost"); err != nil || code != http.StatusBadGateway {
			return fmt.Errorf("%d %v", code, err)
		}
		return nil
	})
	start := time.Now()
	code, _, err := get(t, tc.nodes[0], "ghost")
	took := time.Since(start)
	if err != nil || code != http.StatusBadGateway {
		t.Fatalf("stale entry: %d %v; want 502", code, err)
	}
	if limit := tc.nodes[0].cfg.ForwardDialTimeout + 3*time.Second; took > limit {
		t.Fatalf("stale entry took %v; want under %v", took, limit)
	}
	t.Logf("stale entry answered 502 in %v", took)
}

// Two clients racing for one name on two nodes: exactly one wins, and
// the other's refusal is final (not a "try again").
func TestRaceForOneNameOneWins(t *testing.T) {
	tc := newTestCluster(t, 2)
	for round := range 5 {
		sub := fmt.Sprintf("race%d", round)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cfg := tc.client(sub, i)
				cfg.Servers = nil
				_, errs[i] = tc.listen(cfg)
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
				continue
			}
			var te *tunnel.TunnelError
			if !errors.As(err, &te) || !errors.Is(err, tunnel.ErrRefused) || !strings.Contains(err.Error(), "already registered") {
				t.Fatalf("round %d: loser got %v; want a final 'already registered' refusal", round, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d winners (%v); want exactly 1", round, won, errs)
		}
		eventually(t, 5*time.Second, "winner answers via both nodes", func() error {
			for _, nd := range tc.nodes {
				if err := answers(t, nd, sub, sub+" 127.0.0.2")(); err != nil {
					return err
				}
			}
			return nil
		})
	}
}

// A node killed without draining (its lease left to expire): the client
// reconnects to a surviving node and its URL answers again within the
// lease TTL plus the reconnect backoff.
func TestKilledNodeClientBackOnSurvivor(t *testing.T) {
	tc := newTestCluster(t, 3)
	cfg := tc.client("phoenix", 0)
	if _, err := tc.listen(cfg); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "tunnel answers via node 1", answers(t, tc.nodes[1], "phoenix", "phoenix 127.0.0.2"))
	killed := time.Now()
	tc.nodes[0].kill()
	bound := testTTL + cfg.BackoffMax + 5*time.Second // + slack for a loaded machine
	eventually(t, 30*time.Second, "tunnel answers again after kill", answers(t, tc.nodes[1], "phoenix", "phoenix 127.0.0.2"))
	took := time.Since(killed)
	t.Logf("failover after kill: %v (lease TTL %v, backoff max %v)", took, testTTL, cfg.BackoffMax)
	if took > bound {
		t.Errorf("failover took %v; want within lease TTL + backoff + slack = %v", took, bound)
	}
	eventually(t, 5*time.Second, "via node 2 after failover", answers(t, tc.nodes[2], "phoenix", "phoenix 127.0.0.2"))
}

// A drained node (Close) hands its clients over at once: it revokes its
// lease, so the name is free before the client's first retry.
func TestDrainedNodeHandsOver(t *testing.T) {
	tc := newTestCluster(t, 2)
	cfg := tc.client("mover", 0)
	if _, err := tc.listen(cfg); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "tunnel answers via node 1", answers(t, tc.nodes[1], "mover", "mover 127.0.0.2"))
	start := time.Now()
	tc.nodes[0].Close()
	eventually(t, 20*time.Second, "tunnel answers after drain", answers(t, tc.nodes[1], "mover", "mover 127.0.0.2"))
	took := time.Since(start)
	t.Logf("failover after drain: %v", took)
	if took > testTTL+5*time.Second {
		t.Errorf("drain failover took %v; the revoked lease should not make it wait for the TTL", took)
	}
}

// etcd unreachable: existing tunnels keep serving, new names are refused
// with a passing error, and all heals after.
func TestStoreOutage(t *testing.T) {
	outage := 10 * time.Second
	if testing.Short() {
		outage = 2 * testTTL
	}
	tc := newTestCluster(t, 2)
	if _, err := tc.listen(tc.client("before", 0)); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "before answers via node 1", answers(t, tc.nodes[1], "before", "before 127.0.0.2"))

	before, _ := tc.nodes[0].reg.up()
	tc.etcd.pause()
	paused := time.Now()
	eventually(t, 3*testTTL, "node 0 notices the outage", func() error {
		if _, ok := tc.nodes[0].reg.up(); ok {
			return errors.New("still up")
		}
		return nil
	})
	// Existing tunnel: still served, on its own node and forwarded by the
	// other (from its mirror of the names).
	for i, nd := range tc.nodes {
		if err := answers(t, nd, "before", "before 127.0.0.2")(); err != nil {
			t.Fatalf("existing tunnel via node %d during the outage: %v", i, err)
		}
	}
	// A new name: refused, with a passing error.
	_, err := tc.listen(tc.client("after", 0))
	var te *tunnel.TunnelError
	if !errors.As(err, &te) || !te.Temporary() || !strings.Contains(err.Error(), "cluster store unreachable; try again") {
		t.Fatalf("new name during the outage: %v; want a passing refusal naming the store", err)
	}
	// Keep it down for 10 s, as the issue asks, well past the lease TTL,
	// so etcd expires the lease when it continues.
	for time.Since(paused) < outage {
		time.Sleep(50 * time.Millisecond)
	}
	tc.etcd.resume()
	healed := time.Now()
	eventually(t, 20*time.Second, "node 0 has a lease again", func() error {
		if _, ok := tc.nodes[0].reg.up(); !ok {
			return errors.New("down")
		}
		return nil
	})
	eventually(t, 20*time.Second, "before answers via node 1 again", answers(t, tc.nodes[1], "before", "before 127.0.0.2"))
	if _, err := tc.listen(tc.client("after", 0)); err != nil {
		t.Fatalf("new name after the outage: %v", err)
	}
	eventually(t, 5*time.Second, "after answers via node 1", answers(t, tc.nodes[1], "after", "after 127.0.0.2"))
	t.Logf("healed %v after etcd came back", time.Since(healed))
	// The name is in etcd under node 0's current lease.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := tc.nodes[0].cli.Get(ctx, tc.nodes[0].reg.key("http/before.example.test"))
	if err != nil || len(res.Kvs) != 1 {
		t.Fatalf("key of before after healing: %v %v", res, err)
	}
	lease, _ := tc.nodes[0].reg.up()
	t.Logf("lease before the outage %x, after %x (a new one: etcd expired the old)", before, lease)
	if clientv3.LeaseID(res.Kvs[0].Lease) != lease {
		t.Fatalf("key of before is under lease %x; node 0 holds %x", res.Kvs[0].Lease, lease)
	}
}

// A client whose first address is down connects to the next of
// tunnel.Config.Servers.
func TestClientSkipsUnreachableFirstServer(t *testing.T) {
	tc := newTestCluster(t, 2)
	cfg := tc.client("second", 0)
	cfg.Servers = []string{cfg.Server}
	cfg.Server = testhttp.FreeAddr(t) // nothing listens here
	if _, err := tc.listen(cfg); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "second via node 1", answers(t, tc.nodes[1], "second", "second 127.0.0.2"))
}

// An https tunnel held by one node answers through another node's https
// listener; the tunnel sees https as the scheme and the client's address.
func TestHTTPSForwarded(t *testing.T) {
	tc := newTestCluster(t, 2)
	cfg := tc.client("secure", 0)
	cfg.Protocol = "https"
	l, err := tunnel.Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", r.Header.Get("X-Forwarded-Proto"), r.Header.Get("X-Forwarded-For"))
	})}
	served := make(chan struct{})
	go func() { defer close(served); hs.Serve(l) }()
	defer func() { l.Close(); <-served; hs.Close() }()

	c := publicClient()
	tr := c.Transport.(*http.Transport)
	tr.TLSClientConfig = &tls.Config{RootCAs: tc.ca.Pool(), ServerName: "secure.example.test"}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("GET", "https://"+tc.nodes[1].Server().HTTPSAddr().String()+"/", nil)
	req.Host = "secure.example.test"
	eventually(t, 5*time.Second, "https via node 1", func() error {
		res, err := c.Do(req)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(b) != "https 127.0.0.2" {
			return fmt.Errorf("%d %q", res.StatusCode, b)
		}
		return nil
	})
}

// A random name survives the failover: the client's new session on the
// surviving node gets the name its old session held, once the dead
// node's lease ends.
func TestKilledNodeRandomNameKept(t *testing.T) {
	tc := newTestCluster(t, 2)
	cfg := tc.client("", 0)
	l, err := tc.listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(l.URL())
	if err != nil {
		t.Fatal(err)
	}
	sub := strings.TrimSuffix(u.Hostname(), ".example.test")
	eventually(t, 5*time.Second, "random name answers via node 1", answers(t, tc.nodes[1], sub, " 127.0.0.2"))
	tc.nodes[0].kill()
	eventually(t, 30*time.Second, "the same random name answers again", answers(t, tc.nodes[1], sub, " 127.0.0.2"))
	if got, _ := url.Parse(l.URL()); got.Hostname() != u.Hostname() {
		t.Fatalf("URL after failover %s; want host %s kept", l.URL(), u.Hostname())
	}
}
