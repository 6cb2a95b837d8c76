package balancer

import (
	"context"
	"errors"
	"github.com/httpmw/httpmw/internal/testupstream"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// failAll takes each host out by a reported failure, in the order given.
func failAll(p *Pool, hosts ...*Host) {
	for _, h := range hosts {
		h.conns.Add(1)
		p.Release(h, Report{Failed: true})
	}
}

// When passive checks have taken every upstream out, a pick still goes to
// the one whose failure is oldest, under every policy; a failure of that
// one moves the next pick on, a success brings it back into rotation at
// once, well before the hour-long window.
func TestAllOutByPassiveChecksStillPicksOldestFailure(t *testing.T) {
	for _, pol := range allPolicies {
		t.Run(string(pol), func(t *testing.T) {
			p := newPool(t, Config{
				Upstreams:  upstreams("a:1", "b:1", "c:1"),
				Policy:     pol,
				HashHeader: "X-User",
				Passive:    PassiveCheck{FailWindow: time.Hour},
			})
			a, b, c := p.Hosts()[0], p.Hosts()[1], p.Hosts()[2]
			failAll(p, b, c, a)
			for _, h := range p.Hosts() {
				if h.Healthy() {
					t.Fatalf("%s healthy after a failure", h)
				}
			}
			r, _ := http.NewRequest("GET", "/x", nil)
			h, err := p.Acquire(r, nil)
			if err != nil || h != b {
				t.Fatalf("pick with all out = %v, %v; want b (oldest failure)", h, err)
			}
			// A retry avoiding b goes to the next oldest.
			h2, err := p.Acquire(r, []*Host{b})
			if err != nil || h2 != c {
				t.Fatalf("pick avoiding b = %v, %v; want c", h2, err)
			}
			p.Release(h2, Report{Failed: true}) // c fails again: now the newest failure
			p.Release(h, Report{Failed: true})  // b too
			if h, err = p.Acquire(r, nil); err != nil || h != a {
				t.Fatalf("pick after b and c failed again = %v, %v; want a", h, err)
			}
			p.Release(h, Report{Status: 200})
			if !a.Healthy() || b.Healthy() || c.Healthy() {
				t.Fatalf("after a's success: healthy a %v b %v c %v; want only a", a.Healthy(), b.Healthy(), c.Healthy())
			}
			for range 5 {
				h, err := p.Acquire(r, nil)
				if err != nil || h != a {
					t.Fatalf("pick with only a in rotation = %v, %v", h, err)
				}
				p.Release(h, Report{})
			}
			if h, err := p.Acquire(r, []*Host{a}); !errors.Is(err, ErrNoUpstream) {
				t.Fatalf("pick avoiding a, the only one in rotation = %v, %v; want ErrNoUpstream", h, err)
			}
		})
	}
}

// A spare pick still honours MaxConns, and with every spare full or
// avoided there is nothing to pick.
func TestSparePickHonoursMaxConnsAndAvoid(t *testing.T) {
	p := newPool(t, Config{
		Upstreams: []Upstream{{Addr: "a:1", MaxConns: 1}, {Addr: "b:1", MaxConns: 1}},
		Passive:   PassiveCheck{FailWindow: time.Hour},
	})
	a, b := p.Hosts()[0], p.Hosts()[1]
	failAll(p, a, b)
	h1, err1 := p.Acquire(nil, nil)
	h2, err2 := p.Acquire(nil, nil)
	if err1 != nil || err2 != nil || h1 != a || h2 != b {
		t.Fatalf("two spare picks = %v %v, %v %v; want a, b", h1, err1, h2, err2)
	}
	if h, err := p.Acquire(nil, nil); !errors.Is(err, ErrNoUpstream) {
		t.Fatalf("third pick with both full = %v, %v; want ErrNoUpstream", h, err)
	}
	p.Release(h2, Report{Failed: true})
	if h, err := p.Acquire(nil, []*Host{b}); !errors.Is(err, ErrNoUpstream) {
		t.Fatalf("pick avoiding b with a full = %v, %v; want ErrNoUpstream", h, err)
	}
	p.Release(h1, Report{Failed: true})
}

// Upstreams that an active check declared down are never picked, not even
// when nothing else is left; those out by passive checks alone are.
func TestActiveDownIsNeverASpare(t *testing.T) {
	var bDown atomic.Bool
	bProbed := make(chan struct{}) // a probe of b ran with bDown set
	hook, changes := testupstream.WatchHealth[*Host]()
	p := newPool(t, Config{
		Upstreams: upstreams("a:1", "b:1"),
		Active: ActiveCheck{Interval: 10 * time.Millisecond, Check: func(ctx context.Context, h *Host) error {
			if h.String() == "b:1" && bDown.Load() {
				select {
				case bProbed <- struct{}{}:
				case <-ctx.Done():
				}
				return errors.New("down")
			}
			if h.String() == "a:1" {
				return errors.New("down")
			}
			return nil
		}},
		Passive:       PassiveCheck{FailWindow: time.Hour},
		OnStateChange: hook,
	})
	a, b := p.Hosts()[0], p.Hosts()[1]
	testupstream.AwaitChange(t, changes, "a:1", false)
	failAll(p, b)
	testupstream.AwaitChange(t, changes, "b:1", false)
	for range 4 {
		h, err := p.Acquire(nil, nil)
		if err != nil || h != b {
			t.Fatalf("pick with a down by the active check and b by passive = %v, %v; want b", h, err)
		}
		p.Release(h, Report{Failed: true})
	}
	if h, err := p.Acquire(nil, []*Host{b}); !errors.Is(err, ErrNoUpstream) || h == a {
		t.Fatalf("pick avoiding b = %v, %v; want ErrNoUpstream", h, err)
	}
	// Once the active check declares b down too, there is no spare.
	// A round's results apply before the next round starts, so the second
	// probe that sees bDown proves the first one's failure applied.
	bDown.Store(true)
	<-bProbed
	<-bProbed
	if h, err := p.Acquire(nil, nil); !errors.Is(err, ErrNoUpstream) {
		t.Fatalf("pick with both down by the active check = %v, %v; want ErrNoUpstream", h, err)
	}
}

// TestSparePicksDoNotAllocate keeps the zero-alloc promise for picks while
// every upstream of a big pool is out by passive checks. Release is left
// out: its report would end the spare's time out or restart it, which
// rebuilds the view (that allocates, as any change of health does).
func TestSparePicksDoNotAllocate(t *testing.T) {
	for _, pol := range allPolicies {
		p := bigPool(t, 1000, pol)
		// What 1,000 reported failures would do, with one rebuild.
		for _, h := range p.Hosts() {
			h.downUntil.Store(p.now() + int64(time.Hour))
		}
		p.rebuild(false)
		allocs := testing.AllocsPerRun(200, func() {
			h, err := p.Acquire(nil, nil)
			if err != nil || h.Healthy() {
				t.Fatalf("spare pick = %v, %v", h, err)
			}
			if pol == PolicyLeastConn {
				p.lc.release(h)
			} else {
				h.conns.Add(-1)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocs per spare pick", pol, allocs)
		}
	}
}
