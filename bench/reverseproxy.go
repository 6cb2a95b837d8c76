package main

import (
	"bytes"
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
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/balancer"
	"github.com/httpmw/httpmw/reverseproxy"
)

// The proxy comparisons put each proxy in front of the same two loopback
// upstreams serving 1 KB bodies, and load it with wrk (a separate process,
// so the loader's own garbage is not ours) with 32 connections.
// The machine is shared, so each contender gets rpRounds rounds and keeps
// its best: a round that a neighbour's burst slowed down says nothing.
const (
	rpConns    = 32
	rpDuration = 2 * time.Second
	rpRounds   = 4
	rpBodySize = 1024
)

func reverseproxyComparisons() []Comparison {
	load := measuredTogether(rpLoadAll)
	inProcess := measuredTogether(rpInProcessAll)
	return []Comparison{
		{
			Package: "reverseproxy", Case: "wrk -c32, 1 KB bodies",
			Ours: load(rpOursName),
			Peers: []Peer{
				{rpDirectName, load(rpDirectName)},
				{rpPlainName, load(rpPlainName)},
				{rpNginxName, load(rpNginxName)},
				{rpCaddyName, load(rpCaddyName)},
			},
		},
		{
			Package: "reverseproxy", Case: "in-process request, loopback upstream",
			Ours:  inProcess(rpOursName),
			Peers: []Peer{{rpPlainName, inProcess(rpPlainName)}},
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
	}
}

const (
	rpOursName   = "httpmw"
	rpDirectName = "direct to upstream"
	rpPlainName  = "plain httputil.ReverseProxy"
	rpNginxName  = "nginx 1 worker, keepalive"
	rpCaddyName  = "Caddy 2 reverse_proxy"
)

// rpLoadAll measures the contenders under wrk, round after round in turn,
// so that a burst of load from a neighbour on this shared machine hits every
// contender alike instead of whichever ran at that moment; each keeps its
// best round.
func rpLoadAll() (map[string]Figures, map[string]error) {
	names := []string{rpOursName, rpDirectName, rpPlainName, rpNginxName, rpCaddyName}
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

	targets := map[string]string{rpDirectName: "http://" + a + "/"}
	for name, build := range map[string]rpProxy{rpOursName: rpOurs, rpPlainName: rpPlain} {
		h, stop, err := build(a, b)
		if err != nil {
			errs[name] = err
			continue
		}
		defer stop()
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			errs[name] = err
			continue
		}
		srv := &http.Server{Handler: h}
		go srv.Serve(l)
		defer srv.Close()
		targets[name] = "http://" + l.Addr().String() + "/"
	}
	if addr, stop, err := rpStartNginx(a, b); err != nil {
		errs[rpNginxName] = err
	} else {
		defer stop()
		targets[rpNginxName] = "http://" + addr + "/"
	}

	if dir, err := os.MkdirTemp("", "httpmw-bench-caddy"); err != nil {
		errs[rpCaddyName] = err
	} else {
		defer os.RemoveAll(dir)
		addr, _, stop, err := startCaddy(dir, fmt.Sprintf("\treverse_proxy %s %s {\n\t\tlb_policy round_robin\n\t}", a, b))
		if err != nil {
			errs[rpCaddyName] = err
		} else {
			defer stop()
			targets[rpCaddyName] = "http://" + addr + "/"
		}
	}

	// A short warm-up fills keep-alive pools on every side.
	for name, target := range targets {
		if err := exec.Command("wrk", "-t1", "-c"+strconv.Itoa(rpConns), "-d1s", target).Run(); err != nil {
			errs[name] = fmt.Errorf("wrk warm-up: %w", err)
		}
	}
	best := map[string]Figures{}
	for range rpRounds {
		for _, name := range names {
			target, ok := targets[name]
			if !ok || errs[name] != nil {
				continue
			}
			f, err := rpWrkRound(target)
			if err != nil {
				errs[name] = err
				continue
			}
			if best[name] == nil || f["req/s"] > best[name]["req/s"] {
				best[name] = f
			}
		}
	}
	return best, errs
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

func rpPlain(a, _ string) (http.Handler, func(), error) {
	u, err := url.Parse("http://" + a)
	if err != nil {
		return nil, nil, err
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = log.New(io.Discard, "", 0) // wrk's closing connections are not news
	return rp, func() {}, nil
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

// rpWrkRound runs wrk once and reads req/s and the latency percentiles.
func rpWrkRound(url string) (Figures, error) {
	out, err := exec.Command("wrk", "-t2", "-c"+strconv.Itoa(rpConns), "-d"+rpDuration.String(), "--latency", url).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("wrk: %w: %s", err, out)
	}
	text := string(out)
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

// rpStartNginx runs nginx in the foreground with one worker and a keep-alive
// upstream block over a and b, on a free loopback port, from a temp dir.
func rpStartNginx(a, b string) (addr string, stop func(), err error) {
	bin, err := nginxBinary()
	if err != nil {
		return "", nil, err
	}
	if addr, err = freeAddr(); err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "httpmw-bench-nginx")
	if err != nil {
		return "", nil, err
	}
	os.Chmod(dir, 0o755)
	conf := fmt.Sprintf(`daemon off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path %[1]s/body;
	proxy_temp_path %[1]s/proxy;
	fastcgi_temp_path %[1]s/fastcgi;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
	upstream up {
		server %[2]s;
		server %[3]s;
		keepalive 64;
	}
	server {
		listen %[4]s;
		location / {
			proxy_pass http://up;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
		}
	}
}
`, dir, a, b, addr)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	stopProcess, err := startProcess(exec.Command(bin, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", confPath))
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	stop = func() { stopProcess(); os.RemoveAll(dir) }
	if err := waitDial(addr); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
		stop()
		return "", nil, fmt.Errorf("nginx: %w: %s", err, bytes.TrimSpace(log))
	}
	return addr, stop, nil
}

// rpInProcessAll measures one request through each proxy's handler, called
// directly, to the real loopback upstreams: the proxy's own cost in ns and
// allocations, without a client connection. Like rpLoadAll it alternates
// rounds, and each keeps its fastest.
func rpInProcessAll() (map[string]Figures, map[string]error) {
	errs := map[string]error{}
	a, b, stopUp, err := rpUpstreams()
	if err != nil {
		return nil, map[string]error{rpOursName: err, rpPlainName: err}
	}
	defer stopUp()
	handlers := map[string]http.Handler{}
	for name, build := range map[string]rpProxy{rpOursName: rpOurs, rpPlainName: rpPlain} {
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
		for _, name := range []string{rpOursName, rpPlainName} {
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
