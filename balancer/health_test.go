package balancer

import (
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/testupstream"
)

type upstream = testupstream.Server

func startUpstream(t *testing.T, network, addr string, h http.Handler) *upstream {
	return testupstream.Start(t, network, addr, h)
}

func TestActiveCheckTakesKilledUpstreamOutAndBringsItBack(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			io.WriteString(w, "status: fine")
		}
	})
	a := startUpstream(t, "tcp", "127.0.0.1:0", ok)
	b := startUpstream(t, "tcp", "127.0.0.1:0", ok)
	hook, changes := testupstream.WatchHealth[*Host]()
	p := newPool(t, Config{
		Upstreams:     upstreams(a.Addr, "http://"+b.Addr),
		Policy:        PolicyRoundRobin,
		Active:        ActiveCheck{Path: "/health", Interval: 20 * time.Millisecond, Timeout: time.Second, Body: "fine"},
		OnStateChange: hook,
	})

	a.Kill()
	testupstream.AwaitChange(t, changes, a.Addr, false)
	for range 5 {
		h, err := p.Acquire(nil, nil)
		if err != nil || h.String() != "http://"+b.Addr {
			t.Fatalf("with a down: %v, %v", h, err)
		}
		p.Release(h, Report{})
	}
	a.Restart()
	testupstream.AwaitChange(t, changes, a.Addr, true)
	c := picks(t, p, 4, nil)
	if c[a.Addr] != 2 {
		t.Fatalf("after restart picks = %v", c)
	}
}

func TestActiveCheckJudgesStatusAndBody(t *testing.T) {
	var sick atomic.Bool
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sick.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "fine") // right body, wrong status
			return
		}
		io.WriteString(w, "fine")
	})
	u := startUpstream(t, "tcp", "127.0.0.1:0", h)
	hook, changes := testupstream.WatchHealth[*Host]()
	newPool(t, Config{
		Upstreams:     upstreams(u.Addr),
		Active:        ActiveCheck{Path: "/", Interval: 20 * time.Millisecond, Status: 200, Body: "fine"},
		OnStateChange: hook,
	})
	sick.Store(true)
	testupstream.AwaitChange(t, changes, u.Addr, false)
	sick.Store(false)
	testupstream.AwaitChange(t, changes, u.Addr, true)
}

func TestActiveCheckOverUnixSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "up.sock")
	u := startUpstream(t, "unix", sock, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	hook, changes := testupstream.WatchHealth[*Host]()
	newPool(t, Config{
		Upstreams:     upstreams("unix:" + sock),
		Active:        ActiveCheck{Path: "/", Interval: 20 * time.Millisecond},
		OnStateChange: hook,
	})
	u.Kill()
	testupstream.AwaitChange(t, changes, "unix:"+sock, false)
	u.Restart()
	testupstream.AwaitChange(t, changes, "unix:"+sock, true)
}

func TestCustomCheckAndActivePassForgivesPassiveFailures(t *testing.T) {
	var healthy atomic.Bool
	healthy.Store(true)
	hook, changes := testupstream.WatchHealth[*Host]()
	p := newPool(t, Config{
		Upstreams: upstreams("a:1", "b:1"),
		Active: ActiveCheck{Interval: 20 * time.Millisecond, Check: func(ctx context.Context, h *Host) error {
			if HostFromContext(ctx) != h {
				return errors.New("host missing from the context")
			}
			if h.String() == "a:1" && !healthy.Load() {
				return errors.New("down")
			}
			return nil
		}},
		Passive:       PassiveCheck{FailWindow: time.Hour},
		OnStateChange: hook,
	})
	a := p.Hosts()[0]
	a.conns.Add(1)
	p.Release(a, Report{Failed: true})
	testupstream.AwaitChange(t, changes, "a:1", false)
	// A passing check forgives the passive failure long before the hour.
	testupstream.AwaitChange(t, changes, "a:1", true)
	healthy.Store(false)
	testupstream.AwaitChange(t, changes, "a:1", false)
}

func TestPassiveHostReturnsAfterWindow(t *testing.T) {
	p := newPool(t, Config{
		Upstreams: upstreams("a:1", "b:1"),
		Policy:    PolicyFirst,
		Passive:   PassiveCheck{MaxFails: 2, FailWindow: 50 * time.Millisecond, UnhealthyStatus: []int{502}, UnhealthyLatency: time.Second},
	})
	a := p.Hosts()[0]
	for _, rep := range []Report{{Status: 502}, {Status: 200, Latency: 2 * time.Second}} {
		h, _ := p.Acquire(nil, nil)
		if h != a {
			t.Fatalf("picked %s before a failed twice", h)
		}
		p.Release(h, rep)
	}
	if a.Healthy() {
		t.Fatal("a healthy after two failures")
	}
	h, _ := p.Acquire(nil, nil)
	p.Release(h, Report{})
	if h == a {
		t.Fatal("picked a while it is out")
	}
	time.Sleep(60 * time.Millisecond) // the window itself is what is tested
	h, _ = p.Acquire(nil, nil)
	p.Release(h, Report{})
	if h != a || !a.Healthy() {
		t.Fatalf("after the window picked %s, a healthy %v", h, a.Healthy())
	}
}
