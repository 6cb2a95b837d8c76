package cluster

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/httpmw/httpmw/tunnel/server"
)

// A lost lease (etcd expired it while the node could not renew): the
// node takes a new lease and claims its names again; a name another node
// took meanwhile is dropped, ending its session. The keeper's steps run
// by hand here, on a node that is not serving, so nothing races them.
func TestLostLeaseReclaimsOrDrops(t *testing.T) {
	e := startEtcd(t)
	ca, err := server.NewDevCA()
	if err != nil {
		t.Fatal(err)
	}
	tc := &testCluster{t: t, etcd: e, ca: ca}
	nd, err := New(tc.nodeConfig("solo"))
	if err != nil {
		t.Fatal(err)
	}
	defer nd.Close()
	r := nd.reg
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r.renew(ctx)
	first, ok := r.up()
	if !ok {
		t.Fatal("no lease")
	}
	var dropped [2]atomic.Int32
	hold := func(i int, name string) server.Holding {
		return server.Holding{Key: "http/" + name, URL: "http://" + name, Account: "tester", Session: "s" + name,
			Drop: func() { dropped[i].Add(1) }}
	}
	kept, lost := hold(0, "kept.example.test"), hold(1, "lost.example.test")
	for _, h := range []server.Holding{kept, lost} {
		if err := r.Claim(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	// The lease ends (as etcd does after the TTL) and another node takes
	// one of the names meanwhile.
	if _, err := nd.cli.Revoke(ctx, first); err != nil {
		t.Fatal(err)
	}
	if _, err := nd.cli.Put(ctx, r.key(lost.Key), `{"node":"other","addr":"127.0.0.1:1","session":"x","nonce":"y"}`); err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	r.renewedAt = time.Now().Add(-r.cfg.LeaseTTL) // due for renewal
	r.mu.Unlock()
	r.renew(ctx)
	second, ok := r.up()
	if !ok || second == first {
		t.Fatalf("after the lost lease: lease %x up %v; want a new one", second, ok)
	}
	r.reclaim(ctx)
	if dropped[0].Load() != 0 || dropped[1].Load() != 1 {
		t.Fatalf("drops: kept %d, lost %d; want 0 and 1", dropped[0].Load(), dropped[1].Load())
	}
	res, err := nd.cli.Get(ctx, r.key(kept.Key))
	if err != nil || len(res.Kvs) != 1 || res.Kvs[0].Lease != int64(second) {
		t.Fatalf("kept name: %v %v; want it under the new lease %x", res, err, second)
	}
	r.mu.Lock()
	_, stillLost := r.held[r.key(lost.Key)]
	r.mu.Unlock()
	if stillLost {
		t.Fatal("the lost name is still held")
	}
}
