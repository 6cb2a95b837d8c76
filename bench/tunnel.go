package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/httpmw/httpmw/tunnel"
	"github.com/httpmw/httpmw/tunnel/server"
)

// Tunnel comparisons: the same handler served directly on loopback, through
// httpmw's tunnel client and tunnel/server, and through the original ngrok
// 1.7 client and ngrokd when NGROK17_DIR names the folder holding the ngrok
// and ngrokd binaries (built from inconshreveable/ngrok; nothing here
// builds them).
// Load comes from wrk when it is installed, else from a Go client.

const (
	tcRun     = 3 * time.Second
	tcConns   = 32
	tcBigBody = 64 << 20
)

// tcSide is one way of reaching the handler: dial addr, send host.
type tcSide struct {
	addr, host string
	stop       func()
	children   []*os.Process // processes of the side besides this one
}

type tcSetup func(h http.Handler) (*tcSide, error)

func tunnelComparisons() []Comparison {
	type run = func(*tcSide) (Figures, error)
	keepAlive := func(s *tcSide) (Figures, error) { return tcLoad(s, "/1k", true, tcRun, tcConns) }
	direct := func(r run) Peer { return Peer{"direct loopback", tcMeasure(tcDirect, r)} }
	original := func(r run) Peer { return Peer{"ngrok 1.7 client + ngrokd", tcMeasure(tcNgrok17, r)} }
	// The tunnel sides of each case are measured in alternating rounds
	// (tcRounds): on a shared machine the load changes within seconds.
	// "ours" multiplexes public connections as streams over one TLS
	// connection (the default between httpmw's client and server);
	// "perconn" is the 1.7 protocol, a proxy connection (a TLS handshake,
	// resumed with X25519) per public connection; frp is v0.71.0 with its
	// defaults (yamux streams over one TLS connection), when FRP_DIR names
	// a folder with frps and frpc. "cpu µs/req" is the CPU time the side's
	// processes spent (tunnel client, server and the local service; not
	// the loader) per request: unlike req/s it does not depend on how much
	// of a busy machine the side got. Direct runs on its own afterwards:
	// its ~15k connections a second would fill the port space with
	// TIME_WAIT sockets and slow every connect of the rounds.
	together := func(load func(*tcSide, time.Duration) (Figures, error), ngrok bool) func(string) Runner {
		return measuredTogether(func() (map[string]Figures, map[string]error) {
			sides := map[string]tcSetup{
				"ours":    tcOurs(tcOptions{}),
				"perconn": tcOurs(tcOptions{noMux: true}),
				"frp":     tcFrp,
			}
			if ngrok {
				sides["ngrok17"] = tcNgrok17
			}
			return tcRounds(sides, load)
		})
	}
	newConnAt := func(conns int) func(*tcSide, time.Duration) (Figures, error) {
		return func(s *tcSide, d time.Duration) (Figures, error) { return tcLoad(s, "/1k", false, d, conns) }
	}
	var cases []Comparison
	for _, conns := range []int{8, 32} {
		load := newConnAt(conns)
		t := together(load, true)
		cases = append(cases, Comparison{
			Package: "tunnel", Case: fmt.Sprintf("new connection per GET 1 KB, c%d", conns),
			Ours: t("ours"),
			Peers: []Peer{{"httpmw, proxy connection per public connection", t("perconn")},
				{"frp v0.71.0 (yamux over TLS)", t("frp")},
				{"ngrok 1.7 client + ngrokd", t("ngrok17")},
				direct(func(s *tcSide) (Figures, error) { return load(s, tcRun) })},
		})
	}
	ka := together(func(s *tcSide, d time.Duration) (Figures, error) { return tcLoad(s, "/1k", true, d, tcConns) }, false)
	cases = append(cases,
		Comparison{
			Package: "tunnel", Case: "keep-alive GET 1 KB, c32",
			Ours: ka("ours"),
			Peers: []Peer{{"httpmw, proxy connection per public connection", ka("perconn")},
				{"frp v0.71.0 (yamux over TLS)", ka("frp")},
				direct(keepAlive), original(keepAlive)},
		},
		Comparison{
			Package: "tunnel", Case: "GET 64 MB body",
			Ours: tcMeasure(tcOurs(tcOptions{}), tcBulk),
			Peers: []Peer{{"httpmw, proxy connection per public connection", tcMeasure(tcOurs(tcOptions{noMux: true}), tcBulk)},
				direct(tcBulk), original(tcBulk)},
		},
		Comparison{
			// A tcp tunnel splices bytes on the server: what the client can
			// carry without the server parsing each request.
			Package: "tunnel", Case: "keep-alive GET 1 KB, c32, tcp tunnel",
			Ours:  tcMeasure(tcOurs(tcOptions{protocol: "tcp"}), keepAlive),
			Peers: []Peer{direct(keepAlive)},
		},
	)
	cases = append(cases, tunnelHOLComparisons()...)
	return append(cases, muxLibraryComparisons()...)
}

// tcRounds sets every side up, then loads them in turn, two seconds each,
// for three rounds (the order rotating), so that a change in the machine's
// load hits all sides alike; a side's figure is its mean. Rounds much
// shorter would shortchange ngrok 1.7, whose requests take a few hundred
// milliseconds each at c32 before the first one completes.
func tcRounds(setups map[string]tcSetup, run func(*tcSide, time.Duration) (Figures, error)) (map[string]Figures, map[string]error) {
	const rounds, round = 3, 2 * time.Second
	figures, errs := map[string]Figures{}, map[string]error{}
	sides := map[string]*tcSide{}
	var names []string
	for name, up := range setups {
		s, err := up(tcHandler())
		if err != nil {
			errs[name] = err
			continue
		}
		defer s.stop()
		sides[name] = s
		names = append(names, name)
	}
	sort.Strings(names)
	for r := range rounds {
		for i := range names {
			name := names[(i+r)%len(names)]
			if errs[name] != nil {
				continue
			}
			cpu0 := tcCPU(sides[name])
			f, err := run(sides[name], round)
			if err != nil {
				errs[name] = err
				continue
			}
			if figures[name] == nil {
				figures[name] = Figures{}
			}
			for k, v := range f {
				figures[name][k] += v / rounds
			}
			if rate := f["req/s"]; rate > 0 && cpu0 >= 0 {
				if cpu1 := tcCPU(sides[name]); cpu1 >= 0 {
					figures[name]["cpu µs/req"] += float64((cpu1 - cpu0).Microseconds()) / (rate * round.Seconds()) / rounds
				}
			}
			tcSettle(sides[name])
		}
	}
	return figures, errs
}

// tcSettle waits (up to 3 s) until the side has finished the work the
// loader left behind: the connections it dropped when its time was up, and
// the refills of pools. ngrokd 1.7 burns about a core-second after a
// round; the side measured next would pay for it.
func tcSettle(s *tcSide) {
	for range 30 {
		c0 := tcCPU(s)
		time.Sleep(100 * time.Millisecond)
		if c0 < 0 || tcCPU(s)-c0 < 10*time.Millisecond {
			return
		}
	}
}

// tcCPU is the CPU time used so far by this process and the side's
// children, or -1 where that cannot be read (/proc is Linux's).
func tcCPU(s *tcSide) time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return -1
	}
	total := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	for _, p := range s.children {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.Pid))
		i := bytes.LastIndexByte(b, ')')
		if err != nil || i < 0 {
			return -1
		}
		// Fields after the command: state is 3rd, utime 14th, stime 15th.
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 13 {
			return -1
		}
		u, err1 := strconv.ParseInt(f[11], 10, 64)
		k, err2 := strconv.ParseInt(f[12], 10, 64)
		if err1 != nil || err2 != nil {
			return -1
		}
		total += time.Duration(u+k) * time.Second / 100 // USER_HZ
	}
	return total
}

func tcMeasure(up tcSetup, run func(*tcSide) (Figures, error)) Runner {
	return func() (Figures, error) {
		s, err := up(tcHandler())
		if err != nil {
			return nil, err
		}
		defer s.stop()
		return run(s)
	}
}

func tcHandler() http.Handler {
	small := bytes.Repeat([]byte("x"), 1024)
	big := bytes.Repeat([]byte("y"), 1<<20)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/64m" {
			w.Header().Set("Content-Length", strconv.Itoa(tcBigBody))
			for range tcBigBody / len(big) {
				if _, err := w.Write(big); err != nil {
					return
				}
			}
			return
		}
		w.Write(small)
	})
}

func tcDirect(h http.Handler) (*tcSide, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	return &tcSide{addr: ln.Addr().String(), host: ln.Addr().String(), stop: func() { srv.Close() }}, nil
}

// tcOptions vary our side: the tunnel protocol, and the key exchange.
type tcOptions struct {
	protocol string // "" for http
	x25519   bool
	noMux    bool // the 1.7 protocol: a proxy connection per public connection
}

func tcOurs(o tcOptions) tcSetup {
	return func(h http.Handler) (*tcSide, error) {
		srv, err := server.New(server.Config{
			Domain:          "bench.test",
			TunnelAddr:      "127.0.0.1:0",
			HTTPAddr:        "127.0.0.1:0",
			TCPAddr:         "127.0.0.1",
			Tokens:          map[string]string{"bench": "bench"},
			ShutdownTimeout: time.Second,
		})
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithCancel(context.Background())
		go srv.Serve(ctx)
		tc := &tls.Config{RootCAs: srv.RootCAs(), ServerName: "localhost"}
		if o.x25519 {
			tc.CurvePreferences = []tls.CurveID{tls.X25519}
		}
		l, err := tunnel.Listen(ctx, tunnel.Config{
			Server:     srv.TunnelAddr().String(),
			TLSConfig:  tc,
			AuthToken:  "bench",
			DisableMux: o.noMux,
			Endpoint:   tunnel.Endpoint{Protocol: o.protocol, Subdomain: map[bool]string{true: "bench"}[o.protocol == ""]},
		})
		if err != nil {
			cancel()
			srv.Close()
			return nil, err
		}
		hs := &http.Server{Handler: h}
		go hs.Serve(l)
		side := &tcSide{addr: srv.HTTPAddr().String(), host: strings.TrimPrefix(l.URL(), "http://"), stop: func() {
			hs.Close()
			l.Close()
			cancel()
			srv.Close()
		}}
		if o.protocol == "tcp" {
			port := l.URL()[strings.LastIndex(l.URL(), ":")+1:]
			side.addr = "127.0.0.1:" + port
			side.host = side.addr
		}
		return side, nil
	}
}

// tcPeerSetup prepares a side run by a peer's programs: h served directly
// (the local service the peer's client forwards to), two free loopback
// ports for its server, and a temporary folder for its configuration.
func tcPeerSetup(h http.Handler, tmpPrefix string) (local *tcSide, ports []int, tmp string, err error) {
	if local, err = tcDirect(h); err != nil {
		return nil, nil, "", err
	}
	if ports, err = tcFreePorts(2); err == nil {
		tmp, err = os.MkdirTemp("", tmpPrefix)
	}
	if err != nil {
		local.stop()
		return nil, nil, "", err
	}
	return local, ports, tmp, nil
}

// tcNgrok17 runs the original ngrokd and client from $NGROK17_DIR.
// ngrokd takes addresses as flags, so free loopback ports are picked first.
func tcNgrok17(h http.Handler) (*tcSide, error) {
	dir, err := ngrok17Dir() // shared with tunnelserver.go
	if err != nil {
		return nil, err
	}
	local, ports, tmp, err := tcPeerSetup(h, "ngrok17-bench")
	if err != nil {
		return nil, err
	}
	httpAddr := fmt.Sprintf("127.0.0.1:%d", ports[0])
	tunnelAddr := fmt.Sprintf("127.0.0.1:%d", ports[1])
	cfgFile := filepath.Join(tmp, "ngrok.yml")
	os.WriteFile(cfgFile, []byte("server_addr: "+tunnelAddr+"\ntrust_host_root_certs: false\ninspect_addr: disabled\n"), 0o600)
	ngrokd := exec.Command(filepath.Join(dir, "ngrokd"), "-domain", "ngrok.me", "-httpAddr", httpAddr, "-httpsAddr", "", "-tunnelAddr", tunnelAddr, "-log", "none")
	client := exec.Command(filepath.Join(dir, "ngrok"), "-config", cfgFile, "-log", "none", "-proto", "http", "-subdomain", "bench", local.addr)
	stop := func() {
		for _, c := range []*exec.Cmd{client, ngrokd} {
			if c.Process != nil {
				c.Process.Kill()
				c.Wait()
			}
		}
		local.stop()
		os.RemoveAll(tmp)
	}
	if err := ngrokd.Start(); err != nil {
		stop()
		return nil, err
	}
	if err := client.Start(); err != nil {
		stop()
		return nil, err
	}
	side := &tcSide{addr: httpAddr, host: fmt.Sprintf("bench.ngrok.me:%d", ports[0]), stop: stop,
		children: []*os.Process{ngrokd.Process, client.Process}}
	// Wait for the tunnel to answer.
	c := tcClient(side, false)
	for deadline := time.Now().Add(15 * time.Second); ; {
		if err := tcGet(c, side, "/1k"); err == nil {
			break
		} else if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("ngrok 1.7 tunnel not up: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return side, nil
}

func tcFreePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer ln.Close()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// tcClient dials the side's address whatever the URL's host.
func tcClient(s *tcSide, keepAlive bool) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DisableKeepAlives:   !keepAlive,
		MaxIdleConnsPerHost: tcConns,
		DisableCompression:  true,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, s.addr)
		},
	}}
}

func tcGet(c *http.Client, s *tcSide, path string) error {
	res, err := c.Get("http://" + s.host + path)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	n, err := io.Copy(io.Discard, res.Body)
	if err == nil && (res.StatusCode != 200 || (path == "/1k" && n != 1024)) {
		err = fmt.Errorf("status %d, %d bytes", res.StatusCode, n)
	}
	return err
}

var tcWrkRate = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
var (
	tcWrkNon2xx  = regexp.MustCompile(`Non-2xx or 3xx responses: \d+`)
	tcWrkSockets = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// tcWrkFailed reports what went wrong in a wrk run: any non-2xx answer,
// failed connects or timeouts, and read or write errors on keep-alive
// connections (with Connection: close, wrk counts the server's hang-up as
// a read error).
func tcWrkFailed(out []byte, keepAlive bool) error {
	if m := tcWrkNon2xx.Find(out); m != nil {
		return fmt.Errorf("wrk: %s", m)
	}
	m := tcWrkSockets.FindSubmatch(out)
	if m == nil {
		return nil
	}
	n := func(i int) bool { return string(m[i]) != "0" }
	if n(1) || n(4) || keepAlive && (n(2) || n(3)) {
		return fmt.Errorf("wrk: %s", m[0])
	}
	return nil
}

// tcLoad reports req/s for GET path from conns connections, with
// keep-alive or a new connection per request.
func tcLoad(s *tcSide, path string, keepAlive bool, d time.Duration, conns int) (Figures, error) {
	if wrk, err := exec.LookPath("wrk"); err == nil {
		args := []string{"-t2", fmt.Sprintf("-c%d", conns), "-d" + d.String(), "-H", "Host: " + s.host}
		if !keepAlive {
			args = append(args, "-H", "Connection: close")
		}
		out, err := exec.Command(wrk, append(args, "http://"+s.addr+path)...).CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("wrk: %v: %s", err, out)
		}
		m := tcWrkRate.FindSubmatch(out)
		if m == nil {
			return nil, fmt.Errorf("wrk output: %s", out)
		}
		if err := tcWrkFailed(out, keepAlive); err != nil {
			return nil, err
		}
		rate, _ := strconv.ParseFloat(string(m[1]), 64)
		return Figures{"req/s": rate}, nil
	}
	c := tcClient(s, keepAlive)
	defer c.Transport.(*http.Transport).CloseIdleConnections()
	var n atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	deadline := time.Now().Add(d)
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if err := tcGet(c, s, path); err != nil {
					once.Do(func() { first = err })
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return Figures{"req/s": float64(n.Load()) / d.Seconds()}, nil
}

// tcBulk reports MB/s for 64 MB responses fetched one after another.
func tcBulk(s *tcSide) (Figures, error) {
	c := tcClient(s, true)
	defer c.Transport.(*http.Transport).CloseIdleConnections()
	start := time.Now()
	var total float64
	for time.Since(start) < tcRun || total == 0 {
		if err := tcGet(c, s, "/64m"); err != nil {
			return nil, err
		}
		total += tcBigBody
	}
	return Figures{"MB/s": total / (1 << 20) / time.Since(start).Seconds()}, nil
}
