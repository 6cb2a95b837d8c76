package reverseproxy

import (
	"bufio"
	"context"
	"errors"
	"github.com/httpmw/httpmw/internal/testupstream"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/httpmw/httpmw/balancer"
)

func waitReport(t *testing.T, rep *reports) report {
	t.Helper()
	select {
	case r := <-rep.ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("nothing reported within 10s")
		return report{}
	}
}

// deadAddr returns a loopback address where nothing listens.
func deadAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func named(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			return
		}
		w.Header().Set("X-Upstream", name)
		io.WriteString(w, strings.Repeat(name, 1024))
	})
}

func TestKillOneOfTwoUnderLoad(t *testing.T) {
	a, b := startUpstream(t, named("a")), startUpstream(t, named("b"))
	hook, changes := testupstream.WatchHealth[*balancer.Host]()
	srv, p, _ := front(t, Config{Balancer: balancer.Config{
		Upstreams:     []balancer.Upstream{{Addr: a.Addr}, {Addr: b.Addr}},
		Policy:        balancer.PolicyRoundRobin,
		Active:        balancer.ActiveCheck{Path: "/health", Interval: 25 * time.Millisecond},
		OnStateChange: hook,
	}})

	pool := p.Pool()
	var served sync.Map // upstream name -> *atomic.Int64, counted while loading
	count := func(name string) int64 {
		v, _ := served.LoadOrStore(name, new(atomic.Int64))
		return v.(*atomic.Int64).Load()
	}
	stop := make(chan struct{})
	var failures atomic.Int64
	var firstFailure atomic.Value
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	defer client.CloseIdleConnections()
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := client.Get(srv.URL + "/")
				if err == nil {
					body, rerr := io.ReadAll(res.Body)
					res.Body.Close()
					if rerr == nil && res.StatusCode == 200 && len(body) == 1024 {
						v, _ := served.LoadOrStore(res.Header.Get("X-Upstream"), new(atomic.Int64))
						v.(*atomic.Int64).Add(1)
						continue
					}
					err = errors.New(res.Status)
				}
				failures.Add(1)
				firstFailure.CompareAndSwap(nil, err.Error())
			}
		}()
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor("load on both", func() bool { return count("a") > 50 && count("b") > 50 })

	a.Kill()
	testupstream.AwaitChange(t, changes, a.Addr, false)
	onB := count("b")
	waitFor("load on b alone", func() bool { return count("b") > onB+200 })
	if pool.Hosts()[0].Healthy() {
		t.Error("a back in rotation while dead")
	}

	a.Restart()
	testupstream.AwaitChange(t, changes, a.Addr, true)
	back := count("a")
	waitFor("a back in rotation", func() bool { return count("a") > back+50 })
	close(stop)
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d idempotent requests failed, first: %v", n, firstFailure.Load())
	}
}

func TestSlowUpstreamGives504WithinTimeout(t *testing.T) {
	up := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers; freed when the proxy gives up
	}))
	srv, _, rep := front(t, Config{Balancer: one(up.Addr), Timeout: 100 * time.Millisecond})
	start := time.Now()
	res, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusGatewayTimeout || time.Since(start) > 5*time.Second {
		t.Fatalf("status %d after %v", res.StatusCode, time.Since(start))
	}
	if strings.Contains(string(body), up.Addr) {
		t.Fatalf("error page leaks the upstream address: %q", body)
	}
	if r := waitReport(t, rep); !errors.Is(r.err, ErrGatewayTimeout) {
		t.Fatalf("reported %d %v", r.status, r.err)
	}
}

func TestUpstreamResetMidBodyAbortsClient(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		name := map[bool]string{false: "content-length", true: "chunked"}[chunked]
		t.Run(name, func(t *testing.T) {
			up := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !chunked {
					w.Header().Set("Content-Length", "100000")
				}
				io.WriteString(w, strings.Repeat("x", 5000))
				http.NewResponseController(w).Flush()
				panic(http.ErrAbortHandler) // net/http closes the connection mid-body
			}))
			spare := startUpstream(t, echo("spare"))
			srv, p, _ := front(t, Config{Balancer: balancer.Config{
				Upstreams: []balancer.Upstream{{Addr: up.Addr}, {Addr: spare.Addr}},
				Policy:    balancer.PolicyFirst,
			}})
			res, err := http.Get(srv.URL + "/")
			if err != nil {
				t.Fatal(err)
			}
			_, err = io.ReadAll(res.Body)
			res.Body.Close()
			if err == nil {
				t.Fatalf("truncated body read as complete (status %d)", res.StatusCode)
			}
			if p.Pool().Hosts()[0].Healthy() {
				t.Error("an upstream that broke mid-body still counts as healthy")
			}
		})
	}
}

func TestDialFailureRetriedElsewhereEvenForPOST(t *testing.T) {
	b := startUpstream(t, echo("b"))
	dead := deadAddr(t)
	srv, p, _ := front(t, Config{
		RetryBodyBytes: -1, // nothing buffered: the body must survive untouched
		Balancer: balancer.Config{
			Upstreams: []balancer.Upstream{{Addr: dead}, {Addr: b.Addr}},
			Policy:    balancer.PolicyFirst,
		},
	})
	res, err := http.Post(srv.URL+"/order", "text/plain", strings.NewReader("one pizza"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || seenBy(t, string(body)).Body != "one pizza" {
		t.Fatalf("POST after a failed dial: %d %s", res.StatusCode, body)
	}
	if p.Pool().Hosts()[0].Healthy() {
		t.Error("the refusing upstream still counts as healthy")
	}
}

func TestBrokenExchangeRetriedOnlyWhenIdempotent(t *testing.T) {
	var bGot atomic.Int64
	a := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		panic(http.ErrAbortHandler) // took the request, then dropped the connection
	}))
	b := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bGot.Add(1)
		echo("b").ServeHTTP(w, r)
	}))
	cfg := Config{Balancer: balancer.Config{
		Upstreams: []balancer.Upstream{{Addr: a.Addr}, {Addr: b.Addr}},
		Policy:    balancer.PolicyFirst,
		Passive:   balancer.PassiveCheck{MaxFails: -1}, // keep a first in line
	}}
	srv, _, rep := front(t, cfg)

	res, err := http.Post(srv.URL+"/pay", "text/plain", strings.NewReader("10 EUR"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadGateway || bGot.Load() != 0 {
		t.Fatalf("POST that may have been acted on: status %d, b got %d; want 502 and no second try", res.StatusCode, bGot.Load())
	}
	if r := waitReport(t, rep); !errors.Is(r.err, ErrBadGateway) {
		t.Fatalf("reported %d %v", r.status, r.err)
	}

	req, _ := http.NewRequest("PUT", srv.URL+"/doc", strings.NewReader("v2"))
	res, body := get(t, req)
	if res.StatusCode != 200 || seenBy(t, body).Body != "v2" || bGot.Load() != 1 {
		t.Fatalf("idempotent PUT with a buffered body: %d %s, b got %d", res.StatusCode, body, bGot.Load())
	}
}

func TestClientGoneIs499NotUpstreamFault(t *testing.T) {
	arrived := make(chan struct{})
	up := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done()
	}))
	srv, p, rep := front(t, Config{Balancer: one(up.Addr)})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/", nil)
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
		t.Fatal("request succeeded although cancelled")
	}
	r := waitReport(t, rep)
	if r.status != StatusClientClosed || !errors.Is(r.err, ErrClientClosed) {
		t.Fatalf("reported %d %v, want 499 ErrClientClosed", r.status, r.err)
	}
	if !p.Pool().Hosts()[0].Healthy() {
		t.Fatal("upstream blamed for a client that left")
	}
}

// With every upstream down by an active check there is nothing to try:
// 503, and the error is ErrNoUpstream.
func TestNoUpstreamIs503(t *testing.T) {
	dead1, dead2 := deadAddr(t), deadAddr(t)
	hook, changes := testupstream.WatchHealth[*balancer.Host]()
	srv, _, rep := front(t, Config{Balancer: balancer.Config{
		Upstreams:     []balancer.Upstream{{Addr: dead1}, {Addr: dead2}},
		Active:        balancer.ActiveCheck{Path: "/", Interval: 20 * time.Millisecond},
		OnStateChange: hook,
	}})
	testupstream.AwaitChange(t, changes, dead1, false)
	testupstream.AwaitChange(t, changes, dead2, false)
	res, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", res.StatusCode)
	}
	if r := waitReport(t, rep); !errors.Is(r.err, ErrNoUpstream) {
		t.Fatalf("reported %d %v", r.status, r.err)
	}
}

// When passive checks have taken every upstream out, requests still try
// them: a restarted upstream serves the next request, not one 10 seconds
// (the default fail window) later.
func TestRestartedUpstreamServesAtOnceWhenAllWereOut(t *testing.T) {
	a, b := startUpstream(t, echo("a")), startUpstream(t, echo("b"))
	a.Kill()
	b.Kill()
	srv, p, _ := front(t, Config{Balancer: balancer.Config{
		Upstreams: []balancer.Upstream{{Addr: a.Addr}, {Addr: b.Addr}},
	}})
	for i := range 2 {
		res, err := http.Get(srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadGateway {
			t.Fatalf("request %d with both dead: %d, want 502 (both tried)", i, res.StatusCode)
		}
	}
	for _, h := range p.Pool().Hosts() {
		if h.Healthy() {
			t.Fatalf("%s healthy after a refused dial", h)
		}
	}
	b.Restart()
	res, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("X-Upstream") != "b" {
		t.Fatalf("after b restarted: %d from %q, want 200 from b", res.StatusCode, res.Header.Get("X-Upstream"))
	}
	if a, b := p.Pool().Hosts()[0], p.Pool().Hosts()[1]; a.Healthy() || !b.Healthy() {
		t.Fatalf("healthy a %v b %v, want b back in rotation and a still out", a.Healthy(), b.Healthy())
	}
}

func TestTryDurationWaitsForAnUpstream(t *testing.T) {
	u := startUpstream(t, echo("late"))
	u.Kill()
	hook, changes := testupstream.WatchHealth[*balancer.Host]()
	srv, _, _ := front(t, Config{
		TryDuration: 10 * time.Second,
		TryInterval: 20 * time.Millisecond,
		Balancer: balancer.Config{
			Upstreams:     []balancer.Upstream{{Addr: u.Addr}},
			Active:        balancer.ActiveCheck{Path: "/", Interval: 20 * time.Millisecond},
			OnStateChange: hook,
		},
	})
	done := make(chan *http.Response, 1)
	go func() {
		res, err := http.Get(srv.URL + "/")
		if err != nil {
			done <- nil
			return
		}
		done <- res
	}()
	// The upstream is marked down (by the request's failed dial or by a
	// probe); the request keeps waiting for it within TryDuration.
	testupstream.AwaitChange(t, changes, u.Addr, false)
	u.Restart()
	res := <-done
	if res == nil || res.StatusCode != 200 {
		t.Fatalf("request during TryDuration: %v", res)
	}
	res.Body.Close()
}

// TestSSEFlushedAtOnce reads the first event while the upstream holds the
// second back: a proxy that buffered would never deliver it.
func TestSSEFlushedAtOnce(t *testing.T) {
	release := make(chan struct{})
	up := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: one\n\n")
		http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "data: two\n\n")
	}))
	srv, _, _ := front(t, Config{Balancer: one(up.Addr)})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/events", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	line, err := br.ReadString('\n')
	if err != nil || line != "data: one\n" {
		t.Fatalf("first event: %q, %v", line, err)
	}
	close(release)
	rest, _ := io.ReadAll(br)
	if string(rest) != "\ndata: two\n\n" {
		t.Fatalf("rest of stream: %q", rest)
	}
}

// TestGarbageFromUpstreamIs502 has an upstream answer with something that
// is not HTTP: the client gets a clean 502 that names nobody.
func TestGarbageFromUpstreamIs502(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			bufio.NewReader(c).ReadString('\n')
			io.WriteString(c, "SSH-2.0-OpenSSH_9.6\r\n\r\n")
			c.Close()
		}
	}()
	defer func() {
		l.Close()
		<-done
	}()
	srv, _, rep := front(t, Config{Balancer: one(l.Addr().String())})
	res, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusBadGateway || strings.Contains(string(body), l.Addr().String()) || strings.Contains(string(body), "SSH") {
		t.Fatalf("garbage upstream: %d %q", res.StatusCode, body)
	}
	if r := waitReport(t, rep); !errors.Is(r.err, ErrBadGateway) {
		t.Fatalf("reported %d %v", r.status, r.err)
	}
}
