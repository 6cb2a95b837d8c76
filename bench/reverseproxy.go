package main

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/balancer"
	"github.com/httpmw/httpmw/reverseproxy"
)

// The proxy comparisons put each proxy in front of the same two loopback
// upstreams serving 1 KB bodies, and load it with wrk -t1 (a separate
// process, so the loader's own garbage is not ours) at rpConns client
// connections. Every proxy runs in a process of its own (ours and the Go
// peers by re-running this binary, see rpServeEnv), so that its CPU time,
// read from /proc, is its own: "CPU µs/req" is that time over the requests
// wrk completed. The machine is shared, so the contenders take rpRounds
// turns, one after the other in each round, and each reports its median
// round.
const (
	rpDuration = 2 * time.Second
	rpRounds   = 7
	rpBodySize = 1024
)

// rpConns are the client connection counts measured.
var rpConns = []int{8, 32}

func reverseproxyComparisons() []Comparison {
	var all []Comparison
	for _, conns := range rpConns {
		load := measuredTogether(func() (map[string]Figures, map[string]error) { return rpLoadAll(conns) })
		all = append(all, Comparison{
			Package: "reverseproxy", Case: fmt.Sprintf("wrk -t1 -c%d, 1 KB bodies", conns),
			Ours: load(rpOursName),
			Peers: []Peer{
				{rpBaselineName, load(rpBaselineName)},
				{rpLeanName, load(rpLeanName)},
				{rpTunedName, load(rpTunedName)},
				{rpPlainName, load(rpPlainName)},
				{rpNginxName, load(rpNginxName)},
				{rpCaddyName, load(rpCaddyName)},
				{rpInHandler, load(rpInHandler)},
				{rpFastName, load(rpFastName)},
			},
		})
	}
	inProcess := measuredTogether(rpInProcessAll)
	return append(all, []Comparison{
		rpLayerComparison(),
		{
			Package: "reverseproxy", Case: "in-process request, loopback upstream",
			Ours: inProcess(rpOursName),
			Peers: []Peer{
				{rpLeanName, inProcess(rpLeanName)},
				{rpTunedName, inProcess(rpTunedName)},
				{rpPlainName, inProcess(rpPlainName)},
				{rpInHandler, inProcess(rpInHandler)},
			},
		},
		{
			Package: "reverseproxy", Case: "balancer pick, 1000 upstreams, round_robin",
			Ours: rpPick(balancer.PolicyRoundRobin),
		},
		{
			Package: "reverseproxy", Case: "balancer pick, 1000 upstreams, least_conn",
			Ours: rpPick(balancer.PolicyLeastConn),
		},
		{
			Package: "reverseproxy", Case: "balancer pick, 1000 upstreams, ip_hash",
			Ours: rpPick(balancer.PolicyIPHash),
		},
	}...)
}

const (
	rpOursName  = "httpmw"
	rpLeanName  = "leanest net/http proxy"
	rpTunedName = "httputil.ReverseProxy, tuned"
	rpPlainName = "httputil.ReverseProxy, DefaultTransport"
	rpNginxName = "nginx 1 worker, keepalive"
	rpCaddyName = "Caddy 2 reverse_proxy"
	rpInHandler = "in-handler HTTP/1.1 client (prototype)"
)

// rpGoSides are the proxies built in Go, by name, as rpServe builds them.
var rpGoSides = map[string]rpProxy{
	rpOursName:  rpOurs,
	rpLeanName:  func(a, b string) (http.Handler, func(), error) { return newLeanProxy(a, b), func() {}, nil },
	rpInHandler: func(a, b string) (http.Handler, func(), error) { return newInHandlerProxy(a, b), func() {}, nil },
	rpTunedName: rpTuned,
	rpPlainName: rpPlain,
}

// A child started by rpStartGo serves the side named in rpServeEnv in
// front of the upstreams in rpUpEnv ("a,b"). When rpProfEnv names a file
// prefix, a child (this one or fcgi's) writes a CPU profile (prefix.cpu)
// and an allocation profile (prefix.alloc) of its run there, to profile a
// front under wrk.
const (
	rpServeEnv = "HTTPMW_BENCH_RP_SERVE"
	rpUpEnv    = "HTTPMW_BENCH_RP_UP"
	rpProfEnv  = "HTTPMW_BENCH_RP_PROF"

	// rpBaselineEnv, when set, names a binary of this bench built from an
	// earlier commit: its httpmw proxy joins the load rows as
	// rpBaselineName, measured in the same rounds, for a before/after
	// comparison that sees the same neighbours.
	rpBaselineEnv  = "HTTPMW_BENCH_RP_BASELINE"
	rpBaselineName = "httpmw at baseline build"
)

// init turns this binary into a proxy child when rpServeEnv is set (from
// here rather than main, which belongs to every package's bench).
func init() {
	if side := os.Getenv(rpServeEnv); side != "" {
		rpServe(side)
		os.Exit(0)
	}
}

// rpServe is the child's side of rpStartGo: it prints its URL and serves
// until its stdin closes, so it cannot outlive the bench.
func rpServe(side string) {
	a, b, _ := strings.Cut(os.Getenv(rpUpEnv), ",")
	if side == rpFastName {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fatal(err)
		}
		stop := serveFastProxy(ln, a, b)
		fmt.Println("http://" + ln.Addr().String() + "/")
		io.Copy(io.Discard, os.Stdin) // until the parent closes it, or dies
		stop()
		return
	}
	build, ok := rpGoSides[side]
	if !ok {
		fatal(fmt.Errorf("unknown proxy side %q", side))
	}
	h, stop, err := build(a, b)
	if err != nil {
		fatal(err)
	}
	defer stop()
	defer startProfile()()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatal(err)
	}
	srv := &http.Server{Handler: h, ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(ln)
	fmt.Println("http://" + ln.Addr().String() + "/")
	io.Copy(io.Discard, os.Stdin) // until the parent closes it, or dies
	srv.Close()
}

// startProfile starts the profiles rpProfEnv asks for, if any, and returns
// what writes them.
func startProfile() (stop func()) {
	prof := os.Getenv(rpProfEnv)
	if prof == "" {
		return func() {}
	}
	runtime.MemProfileRate = 64 << 10
	cpu, err := os.Create(prof + ".cpu")
	if err != nil {
		fatal(err)
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		cpu.Close()
		f, err := os.Create(prof + ".alloc")
		if err != nil {
			fatal(err)
		}
		defer f.Close()
		pprof.Lookup("allocs").WriteTo(f, 0)
	}
}

// rpStartGo runs bin, this bench's binary or an older build of it, as the
// proxy side in front of a and b and returns its URL, its pid and how to
// stop it.
func rpStartGo(bin, side, a, b string) (url string, pid int, stop func(), err error) {
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), rpServeEnv+"="+side, rpUpEnv+"="+a+","+b)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", 0, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", 0, nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", 0, nil, err
	}
	stop = func() { stdin.Close(); cmd.Wait() }
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		stop()
		return "", 0, nil, fmt.Errorf("%s: %w", side, err)
	}
	return strings.TrimSpace(line), cmd.Process.Pid, stop, nil
}

// rpLoadAll measures every contender under wrk at conns connections, in
// turns within each round, so that a burst of load from a neighbour on this
// shared machine hits every contender alike; each reports its median round
// (by req/s, with that round's CPU per request and latencies).
func rpLoadAll(conns int) (map[string]Figures, map[string]error) {
	names := []string{rpOursName, rpLeanName, rpTunedName, rpPlainName, rpNginxName, rpCaddyName, rpInHandler, rpFastName}
	errs := map[string]error{}
	fail := func(err error) (map[string]Figures, map[string]error) {
		for _, n := range names {
			errs[n] = err
		}
		return nil, errs
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		return fail(errors.New("wrk not installed (apt-get install wrk)"))
	}
	a, b, stopUp, err := rpUpstreams()
	if err != nil {
		return fail(err)
	}
	defer stopUp()

	targets := map[string]string{}
	pids := map[string]func() []int{}
	if bin := os.Getenv(rpBaselineEnv); bin != "" {
		names = append([]string{rpBaselineName}, names...)
		url, pid, stop, err := rpStartGo(bin, rpOursName, a, b)
		if err != nil {
			errs[rpBaselineName] = err
		} else {
			defer stop()
			targets[rpBaselineName], pids[rpBaselineName] = url, func() []int { return []int{pid} }
		}
	}
	self, err := os.Executable()
	if err != nil {
		return fail(err)
	}
	for _, name := range []string{rpOursName, rpLeanName, rpTunedName, rpPlainName, rpInHandler, rpFastName} {
		url, pid, stop, err := rpStartGo(self, name, a, b)
		if err != nil {
			errs[name] = err
			continue
		}
		defer stop()
		targets[name], pids[name] = url, func() []int { return []int{pid} }
	}
	if addr, pid, stop, err := rpStartNginx(a, b); err != nil {
		errs[rpNginxName] = err
	} else {
		defer stop()
		targets[rpNginxName] = "http://" + addr + "/"
		pids[rpNginxName] = func() []int { return append([]int{pid}, fcgiChildPids(pid)...) }
	}
	if dir, err := os.MkdirTemp("", "httpmw-bench-caddy"); err != nil {
		errs[rpCaddyName] = err
	} else {
		defer os.RemoveAll(dir)
		addr, pid, stop, err := startCaddy(dir, fmt.Sprintf("\treverse_proxy %s %s {\n\t\tlb_policy round_robin\n\t}", a, b))
		if err != nil {
			errs[rpCaddyName] = err
		} else {
			defer stop()
			targets[rpCaddyName] = "http://" + addr + "/"
			pids[rpCaddyName] = func() []int { return []int{pid} }
		}
	}

	wrkWarm(targets, conns, errs)
	return wrkTurns(names, targets, pids, conns, rpDuration, rpRounds, errs), errs
}

// wrkWarm runs wrk for a second against each side in urls, to fill
// keep-alive pools before the measured rounds.
func wrkWarm(urls map[string]string, conns int, errs map[string]error) {
	for name, url := range urls {
		if err := exec.Command("wrk", "-t1", "-c"+strconv.Itoa(conns), "-d1s", url).Run(); err != nil {
			errs[name] = fmt.Errorf("wrk warm-up: %w", err)
		}
	}
}

// wrkTurns loads each side in urls rounds times for d at conns
// connections, in turns, and returns each side's median round by req/s,
// with that round's CPU per request (from pids) and latencies. A side that
// fails gets its error in errs and no more turns; a side missing from urls
// is skipped.
func wrkTurns(names []string, urls map[string]string, pids map[string]func() []int, conns int, d time.Duration, rounds int, errs map[string]error) map[string]Figures {
	all := map[string][]Figures{}
	for round := range rounds {
		for _, name := range rotated(names, round) {
			url, ok := urls[name]
			if !ok || errs[name] != nil {
				continue
			}
			f, err := wrkRound(url, conns, d, pids[name]())
			if err != nil {
				errs[name] = err
				continue
			}
			all[name] = append(all[name], f)
		}
	}
	median := map[string]Figures{}
	for name, rs := range all {
		slices.SortFunc(rs, func(x, y Figures) int { return cmp.Compare(x["req/s"], y["req/s"]) })
		median[name] = rs[len(rs)/2]
	}
	return median
}

// rotated is names starting at its round-th element, wrapping around: each
// round starts with another side, so that no side is always the one
// measured first (after the warm-up, or after the busiest neighbour).
func rotated(names []string, round int) []string {
	k := round % len(names)
	return append(slices.Clone(names[k:]), names[:k]...)
}

// rpProxy builds one in-process contender in front of upstreams a and b:
// the http.Handler to serve and a func that stops what it started.
type rpProxy func(a, b string) (h http.Handler, stop func(), err error)

func rpOurs(a, b string) (http.Handler, func(), error) {
	p, err := reverseproxy.New(reverseproxy.Config{Balancer: balancer.Config{
		Upstreams: []balancer.Upstream{{Addr: a}, {Addr: b}},
		Policy:    balancer.PolicyRoundRobin,
	}})
	if err != nil {
		return nil, nil, err
	}
	return httpmw.ToHTTP(p), func() { p.Close() }, nil
}

// rpPlain is httputil.ReverseProxy as its doc's example sets it up, on
// http.DefaultTransport (2 idle connections per host).
func rpPlain(a, _ string) (http.Handler, func(), error) {
	u, err := url.Parse("http://" + a)
	if err != nil {
		return nil, nil, err
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = log.New(io.Discard, "", 0) // wrk's closing connections are not news
	return rp, func() {}, nil
}

// rpTuned is httputil.ReverseProxy over both upstreams, round robin, on the
// leanest proxy's Transport and with pooled copy buffers: what a user who
// knows net/http's knobs would write with the standard library.
func rpTuned(a, b string) (http.Handler, func(), error) {
	return rpTunedOn(nil, a, b)
}

// rpTunedOn is rpTuned sending through rt, or through the leanest proxy's
// Transport when rt is nil.
func rpTunedOn(rt http.RoundTripper, a, b string) (http.Handler, func(), error) {
	lean := newLeanProxy(a, b)
	if rt == nil {
		rt = lean.tr
	}
	var next atomic.Uint32
	ups := []string{a, b}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme, pr.Out.URL.Host = "http", ups[int(next.Add(1))%len(ups)]
			pr.Out.Host = pr.In.Host
			pr.SetXForwarded()
		},
		Transport:  rt,
		BufferPool: leanBufferPool{&lean.bufs},
		ErrorLog:   log.New(io.Discard, "", 0),
	}
	return rp, lean.tr.CloseIdleConnections, nil
}

// leanBufferPool lends httputil the leanest proxy's buffers.
type leanBufferPool struct{ p *sync.Pool }

func (b leanBufferPool) Get() []byte { return b.p.Get().(*[32 << 10]byte)[:] }
func (b leanBufferPool) Put(buf []byte) {
	if len(buf) == 32<<10 {
		b.p.Put((*[32 << 10]byte)(buf))
	}
}

// rpUpstreams starts the two upstream servers.
func rpUpstreams() (a, b string, stop func(), err error) {
	body := bytes.Repeat([]byte("x"), rpBodySize)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})
	var addrs []string
	var servers []*http.Server
	for range 2 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", "", nil, err
		}
		srv := &http.Server{Handler: h}
		go srv.Serve(l)
		addrs = append(addrs, l.Addr().String())
		servers = append(servers, srv)
	}
	return addrs[0], addrs[1], func() {
		for _, s := range servers {
			s.Close()
		}
	}, nil
}

// wrkRound runs wrk -t1 once against url for d and reads req/s, the
// latency percentiles, and the CPU time the processes pids used per
// request.
func wrkRound(url string, conns int, d time.Duration, pids []int) (Figures, error) {
	before, err := cpuTime(pids)
	if err != nil {
		return nil, err
	}
	out, err := exec.Command("wrk", "-t1", "-c"+strconv.Itoa(conns), "-d"+d.String(), "--latency", url).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("wrk: %w: %s", err, out)
	}
	after, err := cpuTime(pids)
	if err != nil {
		return nil, err
	}
	f, err := parseWrk(string(out))
	if err != nil {
		return nil, err
	}
	f["CPU µs/req"] = float64((after - before).Microseconds()) / f["requests"]
	delete(f, "requests")
	return f, nil
}

// parseWrk reads req/s, the request count and the latency percentiles from
// wrk's --latency output; any failed request makes it an error.
func parseWrk(text string) (Figures, error) {
	if m := regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`).FindStringSubmatch(text); m != nil {
		return nil, fmt.Errorf("wrk: %s non-2xx responses", m[1])
	}
	if m := regexp.MustCompile(`Socket errors: (.*)`).FindStringSubmatch(text); m != nil {
		return nil, fmt.Errorf("wrk: socket errors: %s", m[1])
	}
	f := Figures{}
	m := regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`).FindStringSubmatch(text)
	if m == nil {
		return nil, fmt.Errorf("wrk: no Requests/sec in %q", text)
	}
	f["req/s"], _ = strconv.ParseFloat(m[1], 64)
	m = regexp.MustCompile(`(\d+) requests in`).FindStringSubmatch(text)
	if m == nil {
		return nil, fmt.Errorf("wrk: no request count in %q", text)
	}
	f["requests"], _ = strconv.ParseFloat(m[1], 64)
	for _, pct := range []string{"50", "99"} {
		m := regexp.MustCompile(`\s` + pct + `%\s+([0-9.]+)(us|ms|s)`).FindStringSubmatch(text)
		if m == nil {
			return nil, fmt.Errorf("wrk: no %s%% latency in %q", pct, text)
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		switch m[2] {
		case "ms":
			v *= 1e3
		case "s":
			v *= 1e6
		}
		f["p"+pct+" µs"] = v
	}
	return f, nil
}

// cpuTime is the user plus system time the processes pids have used, from
// /proc/pid/stat (in clock ticks of 10 ms).
func cpuTime(pids []int) (time.Duration, error) {
	var total time.Duration
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return 0, err
		}
		// The command name, in parentheses, may hold spaces: count from
		// after it. utime and stime are fields 14 and 15.
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) < 13 {
			return 0, fmt.Errorf("/proc/%d/stat: too short", pid)
		}
		for _, f := range fields[11:13] {
			ticks, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return 0, err
			}
			total += time.Duration(ticks) * 10 * time.Millisecond
		}
	}
	return total, nil
}

// rpStartNginx runs nginx in the foreground with one worker and a keep-alive
// upstream block over a and b, on a free loopback port, from a temp dir.
func rpStartNginx(a, b string) (addr string, pid int, stop func(), err error) {
	return startNginx(func(addr string) string {
		return fmt.Sprintf(`	upstream up {
		server %s;
		server %s;
		keepalive 64;
	}
	server {
		listen %s;
		location / {
			proxy_pass http://up;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
		}
	}`, a, b, addr)
	})
}

// rpInProcessAll measures one request through each proxy's handler, called
// directly, to the real loopback upstreams: the proxy's own cost in ns and
// allocations, without a client connection. Like rpLoadAll it alternates
// rounds, and each keeps its fastest.
func rpInProcessAll() (map[string]Figures, map[string]error) {
	errs := map[string]error{}
	a, b, stopUp, err := rpUpstreams()
	if err != nil {
		return nil, map[string]error{rpOursName: err, rpLeanName: err, rpTunedName: err, rpPlainName: err}
	}
	defer stopUp()
	handlers := map[string]http.Handler{}
	for name, build := range rpGoSides {
		h, stop, err := build(a, b)
		if err != nil {
			errs[name] = err
			continue
		}
		defer stop()
		handlers[name] = h
	}
	best := map[string]Figures{}
	for range 3 {
		for _, name := range []string{rpOursName, rpLeanName, rpTunedName, rpPlainName, rpInHandler, rpFastName} {
			h, ok := handlers[name]
			if !ok || errs[name] != nil {
				continue
			}
			var failed error
			f, _ := GoBench(func(tb *testing.B) {
				w := &rpRecorder{h: http.Header{}}
				r := httptest.NewRequest("GET", "/", nil)
				for tb.Loop() {
					w.code = 0
					clear(w.h)
					h.ServeHTTP(w, r)
					if w.code != http.StatusOK && failed == nil {
						failed = fmt.Errorf("status %d", w.code)
					}
				}
			})()
			if failed != nil {
				errs[name] = failed
				continue
			}
			if best[name] == nil || f["ns/op"] < best[name]["ns/op"] {
				best[name] = f
			}
		}
	}
	return best, errs
}

// rpRecorder is the discard writer plus the status, to catch a proxy that
// fails fast.
type rpRecorder struct {
	h    http.Header
	code int
}

func (d *rpRecorder) Header() http.Header         { return d.h }
func (d *rpRecorder) Write(p []byte) (int, error) { return len(p), nil }
func (d *rpRecorder) WriteHeader(code int) {
	if d.code == 0 {
		d.code = code
	}
}

// rpPick measures Acquire+Release on a pool of 1,000 upstreams.
func rpPick(policy balancer.Policy) Runner {
	return func() (Figures, error) {
		ups := make([]balancer.Upstream, 1000)
		for i := range ups {
			ups[i] = balancer.Upstream{Addr: fmt.Sprintf("10.0.%d.%d:80", i/250, i%250+1), Weight: i%10 + 1}
		}
		pool, err := balancer.New(balancer.Config{Upstreams: ups, Policy: policy})
		if err != nil {
			return nil, err
		}
		defer pool.Close()
		r := httptest.NewRequest("GET", "/", nil)
		return GoBench(func(b *testing.B) {
			for b.Loop() {
				h, err := pool.Acquire(r, nil)
				if err != nil {
					b.Fatal(err)
				}
				pool.Release(h, balancer.Report{})
			}
		})()
	}
}
