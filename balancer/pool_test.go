package balancer

import (
	"errors"
	"net/http/httptest"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newPool(t *testing.T, c Config) *Pool {
	t.Helper()
	p, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func upstreams(addrs ...string) []Upstream {
	us := make([]Upstream, len(addrs))
	for i, a := range addrs {
		us[i] = Upstream{Addr: a}
	}
	return us
}

func TestRoundRobinTakesTurns(t *testing.T) {
	p := newPool(t, Config{Upstreams: upstreams("a:1", "b:1", "c:1"), Policy: PolicyRoundRobin})
	var got []string
	for range 6 {
		h, err := p.Acquire(nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, h.String())
		p.Release(h, Report{})
	}
	want := []string{"a:1", "b:1", "c:1", "a:1", "b:1", "c:1"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("picks = %v, want %v", got, want)
		}
	}
}

func TestPassiveFailureTakesHostOutAndAvoidRetriesElsewhere(t *testing.T) {
	p := newPool(t, Config{Upstreams: upstreams("a:1", "b:1"), Policy: PolicyFirst})
	a, _ := p.Acquire(nil, nil)
	if a.String() != "a:1" {
		t.Fatalf("first pick = %s", a)
	}
	b, err := p.Acquire(httptest.NewRequest("GET", "/", nil), []*Host{a})
	if err != nil || b.String() != "b:1" {
		t.Fatalf("pick avoiding a = %v, %v", b, err)
	}
	p.Release(b, Report{})
	p.Release(a, Report{Failed: true})
	if a.Healthy() {
		t.Fatal("a still healthy after a failure with MaxFails 1")
	}
	for range 4 {
		h, err := p.Acquire(nil, nil)
		if err != nil || h != b {
			t.Fatalf("pick with a down = %v, %v", h, err)
		}
		p.Release(h, Report{})
	}
	if _, err := p.Acquire(nil, []*Host{b}); !errors.Is(err, ErrNoUpstream) {
		t.Fatalf("all avoided: err = %v, want ErrNoUpstream", err)
	}
}

func TestSingleUpstreamIsNeverTakenOutPassively(t *testing.T) {
	p := newPool(t, Config{Upstreams: upstreams("a:1")})
	for range 3 {
		h, err := p.Acquire(nil, nil)
		if err != nil {
			t.Fatalf("pick after failures: %v", err)
		}
		p.Release(h, Report{Failed: true})
	}
	if !p.Hosts()[0].Healthy() {
		t.Fatal("the only upstream was taken out by passive checks")
	}
}
