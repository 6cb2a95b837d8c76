package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/yamux"
	"github.com/xtaci/smux"

	"github.com/httpmw/httpmw/tunnel/server"
)

// frp as a tunnel peer. Nothing here builds it; to measure it, build
// frps and frpc of v0.71.0 (its version list is not served by the module
// proxy here, but the exact version downloads) into a folder outside the
// repository and name it in FRP_DIR:
//
//	go mod download github.com/fatedier/frp@v0.71.0
//	cd $(go env GOMODCACHE)/github.com/fatedier/frp@v0.71.0
//	go build -tags noweb -o $FRP_DIR/frps ./cmd/frps
//	go build -tags noweb -o $FRP_DIR/frpc ./cmd/frpc
//
// frp runs with its defaults: tcpMux (yamux) and TLS between frpc and frps.
const frpDirEnv = "FRP_DIR"

func tcFrp(h http.Handler) (*tcSide, error) {
	dir := os.Getenv(frpDirEnv)
	if dir == "" {
		return nil, errors.New("not measured: set " + frpDirEnv + " to a folder with frps and frpc v0.71.0 (see bench/tunnelmux.go)")
	}
	for _, bin := range []string{"frps", "frpc"} {
		if _, err := os.Stat(filepath.Join(dir, bin)); err != nil {
			return nil, fmt.Errorf("not measured: %w", err)
		}
	}
	local, ports, tmp, err := tcPeerSetup(h, "frp-bench")
	if err != nil {
		return nil, err
	}
	_, localPort, _ := net.SplitHostPort(local.addr)
	os.WriteFile(filepath.Join(tmp, "frps.toml"), fmt.Appendf(nil,
		"bindAddr = \"127.0.0.1\"\nbindPort = %d\nvhostHTTPPort = %d\nlog.level = \"error\"\n", ports[0], ports[1]), 0o600)
	os.WriteFile(filepath.Join(tmp, "frpc.toml"), fmt.Appendf(nil,
		"serverAddr = \"127.0.0.1\"\nserverPort = %d\nlog.level = \"error\"\n\n[[proxies]]\nname = \"bench\"\ntype = \"http\"\nlocalIP = \"127.0.0.1\"\nlocalPort = %s\ncustomDomains = [\"bench.frp.test\"]\n",
		ports[0], localPort), 0o600)
	frps := exec.Command(filepath.Join(dir, "frps"), "-c", filepath.Join(tmp, "frps.toml"))
	frpc := exec.Command(filepath.Join(dir, "frpc"), "-c", filepath.Join(tmp, "frpc.toml"))
	var stops []func()
	stop := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
		local.stop()
		os.RemoveAll(tmp)
	}
	for _, cmd := range []*exec.Cmd{frps, frpc} {
		s, err := startProcess(cmd)
		if err != nil {
			stop()
			return nil, err
		}
		stops = append(stops, s)
		if cmd == frps {
			if err := waitDial(fmt.Sprintf("127.0.0.1:%d", ports[0])); err != nil {
				stop()
				return nil, err
			}
		}
	}
	side := &tcSide{addr: fmt.Sprintf("127.0.0.1:%d", ports[1]), host: "bench.frp.test", stop: stop,
		children: []*os.Process{frps.Process, frpc.Process}}
	c := tcClient(side, false)
	for deadline := time.Now().Add(15 * time.Second); ; {
		if err := tcGet(c, side, "/1k"); err == nil {
			break
		} else if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("frp tunnel not up: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return side, nil
}

// The stream library behind multiplexed proxy streams, on its own: one TLS
// connection on loopback, the opener (the tunnel server's role) opens a
// stream per exchange, writes a 200-byte request and reads a 1 KB answer;
// the acceptor (the client's role) answers and closes. 8 exchanges at once.
// CPU is this process's, both ends together.

func muxLibraryComparisons() []Comparison {
	smuxConf := func() *smux.Config {
		return &smux.Config{Version: 2, KeepAliveInterval: 10 * time.Second, KeepAliveTimeout: 30 * time.Second,
			MaxFrameSize: 32 << 10, MaxReceiveBuffer: 4 << 20, MaxStreamBuffer: 256 << 10}
	}
	smuxLib := func(c net.Conn, isServer bool) (func() (net.Conn, error), func() (net.Conn, error), io.Closer, error) {
		var s *smux.Session
		var err error
		if isServer {
			s, err = smux.Server(c, smuxConf())
		} else {
			s, err = smux.Client(c, smuxConf())
		}
		if err != nil {
			return nil, nil, nil, err
		}
		return func() (net.Conn, error) { return s.OpenStream() }, func() (net.Conn, error) { return s.AcceptStream() }, s, nil
	}
	yamuxLib := func(c net.Conn, isServer bool) (func() (net.Conn, error), func() (net.Conn, error), io.Closer, error) {
		conf := yamux.DefaultConfig()
		conf.LogOutput = io.Discard
		var s *yamux.Session
		var err error
		if isServer {
			s, err = yamux.Server(c, conf)
		} else {
			s, err = yamux.Client(c, conf)
		}
		if err != nil {
			return nil, nil, nil, err
		}
		return func() (net.Conn, error) { return s.OpenStream() }, func() (net.Conn, error) { return s.AcceptStream() }, s, nil
	}
	t := measuredTogether(func() (map[string]Figures, map[string]error) {
		figures, errs := map[string]Figures{}, map[string]error{}
		libs := map[string]func(net.Conn, bool) (func() (net.Conn, error), func() (net.Conn, error), io.Closer, error){
			"smux": smuxLib, "yamux": yamuxLib,
		}
		const rounds = 3
		for r := range rounds {
			for i, name := range []string{"smux", "yamux"} {
				if r%2 == 1 {
					name = []string{"yamux", "smux"}[i]
				}
				f, err := muxLibRun(libs[name], 2*time.Second)
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
			}
		}
		return figures, errs
	})
	return []Comparison{{
		Package: "tunnel", Case: "mux library: stream per 1 KB exchange over one TLS connection, c8",
		Ours:  t("smux"),
		Peers: []Peer{{"hashicorp/yamux v0.1.2", t("yamux")}},
	}}
}

func muxLibRun(lib func(net.Conn, bool) (func() (net.Conn, error), func() (net.Conn, error), io.Closer, error), d time.Duration) (Figures, error) {
	ca, err := server.NewDevCA()
	if err != nil {
		return nil, err
	}
	cert, err := ca.Issue("localhost")
	if err != nil {
		return nil, err
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			err = c.(*tls.Conn).Handshake()
		}
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	cc, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost"})
	if err != nil {
		return nil, err
	}
	sc, ok := <-accepted
	if !ok {
		return nil, errors.New("accept failed")
	}
	open, _, sclose, err := lib(sc, true)
	if err != nil {
		return nil, err
	}
	defer sclose.Close()
	_, accept, cclose, err := lib(cc, false)
	if err != nil {
		return nil, err
	}
	defer cclose.Close()
	answer := make([]byte, 1024)
	go func() {
		for {
			st, err := accept()
			if err != nil {
				return
			}
			go func() {
				defer st.Close()
				buf := make([]byte, 200)
				if _, err := io.ReadFull(st, buf); err != nil {
					return
				}
				st.Write(answer)
			}()
		}
	}()
	req := make([]byte, 200)
	var n atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	cpu0 := tcCPU(&tcSide{})
	start := time.Now()
	deadline := start.Add(d)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1024)
			for time.Now().Before(deadline) {
				st, err := open()
				if err == nil {
					_, err = st.Write(req)
				}
				if err == nil {
					_, err = io.ReadFull(st, buf)
				}
				if st != nil {
					st.Close()
				}
				if err != nil {
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
	elapsed := time.Since(start)
	cpu := tcCPU(&tcSide{}) - cpu0
	return Figures{"req/s": float64(n.Load()) / elapsed.Seconds(), "cpu µs/req": float64(cpu.Microseconds()) / float64(n.Load())}, nil
}
