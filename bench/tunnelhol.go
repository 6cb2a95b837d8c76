package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/httpmw/httpmw/tunnel"
	"github.com/httpmw/httpmw/tunnel/server"
)

// Head-of-line blocking and idle cost of the tunnel's two paths.

func tunnelHOLComparisons() []Comparison {
	hol := func(up tcSetup) Runner { return tcMeasure(up, tcHOL) }
	idle := func(noMux bool) Runner { return func() (Figures, error) { return tcIdleHeap(noMux) } }
	return []Comparison{
		{
			// 32 clients GET 1 KB on kept-alive connections, alone and
			// while one more client downloads 64 MB bodies one after
			// another through the same tunnel: the goal is that the
			// small requests' p99 beside the download stays within 2x
			// of their p99 alone.
			Package: "tunnel", Case: "p99 of 1 KB GETs (c32) beside a 64 MB download",
			Ours: hol(tcOurs(tcOptions{})),
			Peers: []Peer{{"httpmw, proxy connection per public connection", hol(tcOurs(tcOptions{noMux: true}))},
				{"frp v0.71.0 (yamux over TLS)", hol(tcFrp)},
				{"direct loopback", hol(tcDirect)}},
		},
		{
			// The server's heap for idle tunnels (a control connection
			// each, plus either the multiplexed connection or the warm
			// pool of 4 proxy connections), scaled to 1,000; the clients
			// run in another process.
			Package: "tunnel", Case: "server heap per 1,000 idle tunnels",
			Ours:  idle(false),
			Peers: []Peer{{"httpmw, proxy connection per public connection", idle(true)}},
		},
	}
}

// tcHOL measures the p99 latency of small GETs alone, then beside a
// stream of 64 MB downloads.
func tcHOL(s *tcSide) (Figures, error) {
	if _, err := tcSmallP99(s, 500*time.Millisecond); err != nil { // warm up
		return nil, err
	}
	alone, err := tcSmallP99(s, 2*time.Second)
	if err != nil {
		return nil, err
	}
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		c := tcClient(s, true)
		defer c.Transport.(*http.Transport).CloseIdleConnections()
		for {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if err := tcGet(c, s, "/64m"); err != nil {
				done <- err
				return
			}
		}
	}()
	time.Sleep(200 * time.Millisecond) // let the download get going
	beside, err := tcSmallP99(s, 2*time.Second)
	close(stop)
	if derr := <-done; err == nil {
		err = derr
	}
	if err != nil {
		return nil, err
	}
	return Figures{"p99 ms alone": alone, "p99 ms beside 64 MB": beside, "p99 ratio": beside / alone}, nil
}

func tcSmallP99(s *tcSide, d time.Duration) (float64, error) {
	c := tcClient(s, true)
	defer c.Transport.(*http.Transport).CloseIdleConnections()
	var mu sync.Mutex
	var lat []time.Duration
	var first error
	var wg sync.WaitGroup
	deadline := time.Now().Add(d)
	for range tcConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				t0 := time.Now()
				err := tcGet(c, s, "/1k")
				mu.Lock()
				if err != nil {
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
				lat = append(lat, time.Since(t0))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return 0, first
	}
	if len(lat) == 0 {
		return 0, fmt.Errorf("no request completed")
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return float64(lat[len(lat)*99/100].Microseconds()) / 1000, nil
}

// Idle tunnels: the clients run in a child process (this binary, with
// tcIdleEnv set), so that the heap measured is the server's alone.
const (
	tcIdleEnv   = "HTTPMW_BENCH_TUNNEL_IDLE"    // "addr n mux|nomux": open n tunnels and wait
	tcIdleCAEnv = "HTTPMW_BENCH_TUNNEL_IDLE_CA" // the server's CA, PEM
	tcIdleN     = 200
)

// tcIdleHeap opens tcIdleN idle tunnels to one server and reports the
// server's heap for them, per 1,000.
func tcIdleHeap(noMux bool) (Figures, error) {
	ca, err := server.NewDevCA()
	if err != nil {
		return nil, err
	}
	cert, err := ca.Issue("bench.test")
	if err != nil {
		return nil, err
	}
	srv, err := server.New(server.Config{
		Domain:                "bench.test",
		TunnelAddr:            "127.0.0.1:0",
		HTTPAddr:              "127.0.0.1:0",
		TLSConfig:             &tls.Config{Certificates: []tls.Certificate{cert}},
		AllowAnonymous:        true,
		MaxSessionsPerAccount: -1,
		MaxTunnelsPerAccount:  -1,
		MaxUnauthConnsPerAddr: -1,
		ShutdownTimeout:       time.Second,
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go srv.Serve(ctx)
	defer srv.Close()
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse
	}
	before := heap()
	mode := map[bool]string{false: "mux", true: "nomux"}[noMux]
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d %s", tcIdleEnv, srv.TunnelAddr(), tcIdleN, mode), tcIdleCAEnv+"="+string(ca.CertPEM()))
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "ready\n" {
		return nil, fmt.Errorf("idle clients: %q, %v", line, err)
	}
	time.Sleep(2 * time.Second) // the server's side of the pools settles
	after := heap()
	return Figures{"MB heap": float64(after-before) / (1 << 20) * 1000 / tcIdleN}, nil
}

// tcIdleClients is the child: it opens the tunnels, says "ready" when the
// per-connection pools are filled, and exits when stdin closes.
func tcIdleClients(spec string) {
	var addr, mode string
	var n int
	fmt.Sscan(spec, &addr, &n, &mode)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(os.Getenv(tcIdleCAEnv)))
	for i := range n {
		_, err := tunnel.Listen(context.Background(), tunnel.Config{Server: addr, TLSConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"},
			DisableMux: mode == "nomux", Endpoint: tunnel.Endpoint{Subdomain: fmt.Sprintf("idle%d", i)}})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
	}
	time.Sleep(2 * time.Second) // the per-connection path dials its pools
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}
