package balancer

import (
	"fmt"
	"net/http/httptest"
	"testing"
)

// bigPool is a pool of n upstreams with weights 1..10 so the weighted
// policies have real work to do.
func bigPool(tb testing.TB, n int, policy Policy) *Pool {
	us := make([]Upstream, n)
	for i := range us {
		us[i] = Upstream{Addr: fmt.Sprintf("10.0.%d.%d:80", i/250, i%250+1), Weight: i%10 + 1}
	}
	p, err := New(Config{Upstreams: us, Policy: policy, HashHeader: "X-User"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close() })
	return p
}

// TestPicksDoNotAllocate holds the promise made in the package docs for a
// pool of 1,000 upstreams, a few of them out of rotation.
func TestPicksDoNotAllocate(t *testing.T) {
	for _, pol := range allPolicies {
		p := bigPool(t, 1000, pol)
		for _, h := range p.Hosts()[:3] {
			h.conns.Add(1)
			p.Release(h, Report{Failed: true})
		}
		r := httptest.NewRequest("GET", "/some/uri?q=1", nil)
		r.Header.Set("X-User", "alice")
		r.Header.Set("Cookie", "lb="+p.Hosts()[500].cookie)
		allocs := testing.AllocsPerRun(200, func() {
			h, err := p.Acquire(r, nil)
			if err != nil {
				t.Fatal(err)
			}
			p.Release(h, Report{})
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocs per pick", pol, allocs)
		}
	}
}

func BenchmarkPick1000(b *testing.B) {
	for _, pol := range []Policy{PolicyRandom, PolicyRoundRobin, PolicyWeightedRoundRobin, PolicyLeastConn,
		PolicyRandomChoose, PolicyFirst, PolicyIPHash, PolicyURIHash, PolicyHeader, PolicyCookie} {
		b.Run(string(pol), func(b *testing.B) {
			p := bigPool(b, 1000, pol)
			r := httptest.NewRequest("GET", "/some/uri?q=1", nil)
			r.Header.Set("X-User", "alice")
			r.Header.Set("Cookie", "lb="+p.Hosts()[500].cookie)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					h, err := p.Acquire(r, nil)
					if err != nil {
						b.Fatal(err)
					}
					p.Release(h, Report{})
				}
			})
		})
	}
}
