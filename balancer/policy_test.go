package balancer

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

var allPolicies = []Policy{PolicyRandom, PolicyRoundRobin, PolicyWeightedRoundRobin, PolicyLeastConn,
	PolicyRandomChoose, PolicyFirst, PolicyIPHash, PolicyURIHash, PolicyHeader, PolicyCookie}

// picks acquires and releases n times and counts the picks per address.
func picks(t *testing.T, p *Pool, n int, req func(i int) *http.Request) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for i := range n {
		var r *http.Request
		if req != nil {
			r = req(i)
		}
		h, err := p.Acquire(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		counts[h.String()]++
		p.Release(h, Report{})
	}
	return counts
}

func TestWeightedRoundRobinIsSmoothAndExact(t *testing.T) {
	p := newPool(t, Config{
		Upstreams: []Upstream{{Addr: "a:1", Weight: 5}, {Addr: "b:1", Weight: 1}, {Addr: "c:1", Weight: 1}},
		Policy:    PolicyWeightedRoundRobin,
	})
	var seq strings.Builder
	for range 14 {
		h, _ := p.Acquire(nil, nil)
		seq.WriteString(h.String()[:1])
		p.Release(h, Report{})
	}
	got := seq.String()
	if got[:7] != got[7:] {
		t.Fatalf("cycle not repeated: %s", got)
	}
	if strings.Count(got[:7], "a") != 5 || strings.Count(got[:7], "b") != 1 || strings.Count(got[:7], "c") != 1 {
		t.Fatalf("cycle %s does not follow weights 5:1:1", got[:7])
	}
	// Smooth: a never takes its whole share of 5 in one run, even across
	// the end of one cycle and the start of the next.
	if strings.Contains(got, "aaaaa") {
		t.Fatalf("cycle %s bursts the heavy upstream", got[:7])
	}
}

func TestRandomFollowsWeights(t *testing.T) {
	p := newPool(t, Config{Upstreams: []Upstream{{Addr: "a:1", Weight: 3}, {Addr: "b:1", Weight: 1}}})
	c := picks(t, p, 4000, nil)
	if c["a:1"] < 2700 || c["a:1"] > 3300 {
		t.Fatalf("weight 3:1 gave %v", c)
	}
}

func TestLeastConnPicksIdleHostAndRotatesTies(t *testing.T) {
	p := newPool(t, Config{Upstreams: upstreams("a:1", "b:1", "c:1"), Policy: PolicyLeastConn})
	busy, _ := p.Acquire(nil, nil)
	busy2, _ := p.Acquire(nil, nil)
	if busy == busy2 {
		t.Fatal("least_conn picked a busy host while others were idle")
	}
	third, _ := p.Acquire(nil, nil)
	if third == busy || third == busy2 {
		t.Fatal("least_conn did not pick the idle host")
	}
	p.Release(busy, Report{})
	p.Release(busy2, Report{})
	// third is still busy: serial requests rotate over the other two.
	c := picks(t, p, 10, nil)
	if c[third.String()] != 0 || c[busy.String()] != 5 || c[busy2.String()] != 5 {
		t.Fatalf("with %s busy, picks = %v", third, c)
	}
	p.Release(third, Report{})
}

func TestMaxConnsSkipsFullHost(t *testing.T) {
	for _, policy := range []Policy{PolicyFirst, PolicyLeastConn, PolicyRandom, PolicyIPHash} {
		t.Run(string(policy), func(t *testing.T) {
			p := newPool(t, Config{Upstreams: []Upstream{{Addr: "a:1", MaxConns: 1}, {Addr: "b:1", MaxConns: 1}}, Policy: policy})
			r := httptest.NewRequest("GET", "/", nil)
			h1, err1 := p.Acquire(r, nil)
			h2, err2 := p.Acquire(r, nil)
			if err1 != nil || err2 != nil || h1 == h2 {
				t.Fatalf("two picks with MaxConns 1: %v %v, %v %v", h1, err1, h2, err2)
			}
			if h, err := p.Acquire(r, nil); err != ErrNoUpstream {
				t.Fatalf("third pick = %v, %v; want ErrNoUpstream", h, err)
			}
			p.Release(h1, Report{})
			if h, err := p.Acquire(r, nil); err != nil || h != h1 {
				t.Fatalf("after release: %v, %v", h, err)
			}
		})
	}
}

func TestHashPoliciesAreStickyAndSurviveOtherHostsFailing(t *testing.T) {
	cases := []struct {
		policy Policy
		req    func(key string) *http.Request
	}{
		{PolicyIPHash, func(k string) *http.Request {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = "10.0.0." + k + ":4321"
			return r
		}},
		{PolicyURIHash, func(k string) *http.Request { return httptest.NewRequest("GET", "/item/"+k, nil) }},
		{PolicyHeader, func(k string) *http.Request {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("X-Tenant", k)
			return r
		}},
	}
	for _, c := range cases {
		t.Run(string(c.policy), func(t *testing.T) {
			p := newPool(t, Config{Upstreams: upstreams("a:1", "b:1", "c:1", "d:1"), Policy: c.policy, HashHeader: "x-tenant"})
			home := map[string]*Host{}
			for i := range 40 {
				k := fmt.Sprint(i)
				for range 3 {
					h, err := p.Acquire(c.req(k), nil)
					if err != nil {
						t.Fatal(err)
					}
					p.Release(h, Report{})
					if home[k] != nil && home[k] != h {
						t.Fatalf("key %s moved from %s to %s", k, home[k], h)
					}
					home[k] = h
				}
			}
			// Take one host down: keys homed elsewhere stay where they are.
			down := p.Hosts()[0]
			h, _ := p.Acquire(nil, nil)
			p.Release(h, Report{})
			down.conns.Add(1)
			p.Release(down, Report{Failed: true})
			for k, was := range home {
				h, err := p.Acquire(c.req(k), nil)
				if err != nil {
					t.Fatal(err)
				}
				p.Release(h, Report{})
				if h == down || was != down && h != was {
					t.Fatalf("with %s down, key %s went from %s to %s", down, k, was, h)
				}
			}
		})
	}
}

func TestCookieStickiness(t *testing.T) {
	p := newPool(t, Config{Upstreams: upstreams("a:1", "b:1", "c:1"), Policy: PolicyCookie, CookieSecret: "s3cret"})
	r := httptest.NewRequest("GET", "/", nil)
	h, _ := p.Acquire(r, nil)
	p.Release(h, Report{})
	ck := p.StickyCookie(r, h)
	if ck == nil || ck.Name != "lb" || strings.Contains(ck.Value, "a:1") {
		t.Fatalf("sticky cookie = %v", ck)
	}
	for range 20 {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", "other=1; "+ck.String())
		got, _ := p.Acquire(r, nil)
		p.Release(got, Report{})
		if got != h {
			t.Fatalf("cookie for %s led to %s", h, got)
		}
		if p.StickyCookie(r, got) != nil {
			t.Fatal("cookie set again although the request carries it")
		}
	}
}

func TestRandomChooseAvoidsLoadedHost(t *testing.T) {
	p := newPool(t, Config{Upstreams: upstreams("a:1", "b:1"), Policy: PolicyRandomChoose})
	a := p.Hosts()[0]
	a.conns.Add(100)
	defer a.conns.Add(-100)
	c := picks(t, p, 200, nil)
	// Both choices land on a only when both random draws do: about 1 in 4.
	if c["b:1"] < 120 {
		t.Fatalf("picks with a loaded = %v", c)
	}
}

func TestNilRequestWorksForEveryPolicy(t *testing.T) {
	for _, pol := range allPolicies {
		p := newPool(t, Config{Upstreams: upstreams("a:1", "b:1"), Policy: pol, HashHeader: "X-K"})
		picks(t, p, 5, nil)
	}
}
