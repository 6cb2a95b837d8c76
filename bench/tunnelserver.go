package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/httpmw/httpmw/tunnel"
	"github.com/httpmw/httpmw/tunnel/server"
)

// tunnelserver compares httpmw's tunnel/server with the original ngrokd
// 1.7, both driven by the original ngrok 1.7 client, on loopback. The
// originals are not part of this repository: build them from their public
// source and point NGROK17_DIR at the folder holding the ngrok and ngrokd
// binaries; without it the rows say "not measured".
//
// Our server runs with every check on: token auth, basic auth checked on
// each request (the original checks the first request of a connection
// only), X-Forwarded-* added to each request.
func tunnelserverComparisons() []Comparison {
	const conns, d = 32, 3 * time.Second
	keepAlive := func(side string) Runner {
		return func() (Figures, error) { return tunnelLoad(side, conns, d, true) }
	}
	newConn := func(side string) Runner {
		return func() (Figures, error) { return tunnelLoad(side, conns, d, false) }
	}
	return []Comparison{
		{
			Package: "tunnelserver", Case: "keep-alive GET 1KB, stock ngrok 1.7 client, c32",
			Ours: keepAlive("ours"),
			Peers: []Peer{
				{"ngrokd 1.7", keepAlive("ngrokd")},
				{"direct (no tunnel)", keepAlive("direct")},
			},
		},
		{
			// What parsing every request head costs: the same keep-alive
			// HTTP load through an http tunnel (net/http on the public side,
			// basic auth and X-Forwarded-* on each request) and through a
			// tcp tunnel (bytes spliced, nothing parsed), with httpmw's own
			// client on both, in process.
			Package: "tunnelserver", Case: "per-request parsing: http vs tcp tunnel, our client, c32",
			Ours:  func() (Figures, error) { return parseCost("http", conns, d) },
			Peers: []Peer{{"tcp tunnel (raw splice)", func() (Figures, error) { return parseCost("tcp", conns, d) }}},
		},
		{
			Package: "tunnelserver", Case: "new connection per GET 1KB, stock ngrok 1.7 client, c32",
			Ours: newConn("ours"),
			Peers: []Peer{
				{"ngrokd 1.7", newConn("ngrokd")},
				{"direct (no tunnel)", newConn("direct")},
			},
		},
	}
}

func ngrok17Dir() (string, error) {
	dir := os.Getenv("NGROK17_DIR")
	if dir == "" {
		return "", errors.New("NGROK17_DIR not set (a folder with ngrok and ngrokd 1.7 binaries built from their public source)")
	}
	for _, b := range []string{"ngrok", "ngrokd"} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			return "", fmt.Errorf("NGROK17_DIR: %w", err)
		}
	}
	return dir, nil
}

// tunnelLoad sets up one side (our server, ngrokd or direct), then
// measures GETs of a 1 KB page with basic auth through it.
func tunnelLoad(side string, conns int, d time.Duration, keepAlive bool) (Figures, error) {
	local, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	page := strings.Repeat("x", 1024)
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, page) })}
	go hs.Serve(local)
	defer hs.Close()
	if side == "direct" {
		return hostLoad(local.Addr().String(), local.Addr().String(), conns, d, keepAlive, nil)
	}

	dir, err := ngrok17Dir()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var tunnelAddr, httpAddr string
	var procs []*exec.Cmd
	defer func() {
		for _, p := range procs {
			p.Process.Kill()
			p.Wait()
		}
	}()
	switch side {
	case "ours":
		srv, err := server.New(server.Config{
			Domain: "example.test", TunnelAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
			Tokens: map[string]string{"bench-token": "bench"},
		})
		if err != nil {
			return nil, err
		}
		go srv.Serve(ctx)
		defer srv.Close()
		tunnelAddr, httpAddr = srv.TunnelAddr().String(), srv.HTTPAddr().String()
	case "ngrokd":
		cmd := exec.CommandContext(ctx, filepath.Join(dir, "ngrokd"), "-domain", "example.test",
			"-httpAddr", "127.0.0.1:0", "-httpsAddr", "", "-tunnelAddr", "127.0.0.1:0", "-log", "stdout", "-log-level", "INFO")
		lines, err := startLogged(cmd)
		if err != nil {
			return nil, err
		}
		procs = append(procs, cmd)
		got, err := waitLines(lines, 10*time.Second,
			regexp.MustCompile(`Listening for control and proxy connections on (\S+)`),
			regexp.MustCompile(`Listening for public http connections on (\S+)`))
		if err != nil {
			return nil, fmt.Errorf("ngrokd: %w", err)
		}
		tunnelAddr, httpAddr = got[0], got[1]
		go drain(lines)
	}

	cfgFile, err := os.CreateTemp("", "ngrok17-*.yml")
	if err != nil {
		return nil, err
	}
	defer os.Remove(cfgFile.Name())
	fmt.Fprintf(cfgFile, "server_addr: %s\nauth_token: bench-token\ninspect_addr: disabled\n", tunnelAddr)
	cfgFile.Close()
	client := exec.CommandContext(ctx, filepath.Join(dir, "ngrok"), "-config", cfgFile.Name(), "-log", "stdout", "-log-level", "INFO",
		"-proto", "http", "-subdomain", "bench", "-httpauth", "user:pass", local.Addr().String())
	lines, err := startLogged(client)
	if err != nil {
		return nil, err
	}
	procs = append(procs, client)
	go drain(lines)

	_, port, _ := net.SplitHostPort(httpAddr)
	host := "bench.example.test:" + port
	auth := http.Header{"Authorization": {"Basic dXNlcjpwYXNz"}}
	if err := waitTunnel(httpAddr, host, auth, 10*time.Second); err != nil {
		return nil, fmt.Errorf("%s: tunnel never served: %w", side, err)
	}
	return hostLoad(httpAddr, host, conns, d, keepAlive, auth)
}

func startLogged(cmd *exec.Cmd) (<-chan string, error) {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines, nil
}

func drain(lines <-chan string) {
	for range lines {
	}
}

// waitLines returns the first submatch of each pattern, in order found.
func waitLines(lines <-chan string, d time.Duration, pats ...*regexp.Regexp) ([]string, error) {
	got := make([]string, len(pats))
	missing := len(pats)
	timeout := time.After(d)
	for missing > 0 {
		select {
		case line, ok := <-lines:
			if !ok {
				return nil, errors.New("exited before listening")
			}
			for i, p := range pats {
				if m := p.FindStringSubmatch(line); m != nil && got[i] == "" {
					got[i] = m[1]
					missing--
				}
			}
		case <-timeout:
			return nil, errors.New("not listening in time")
		}
	}
	return got, nil
}

func waitTunnel(addr, host string, hdr http.Header, d time.Duration) error {
	deadline := time.Now().Add(d)
	client := hostClient(addr, 1, true)
	var last error
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest("GET", "http://"+host+"/", nil)
		for k, v := range hdr {
			req.Header[k] = v
		}
		res, err := client.Do(req)
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == 200 {
				return nil
			}
			err = fmt.Errorf("status %d", res.StatusCode)
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	return last
}

// hostClient sends every request to addr whatever the URL's host, so the
// Host header can name a tunnel.
func hostClient(addr string, conns int, keepAlive bool) *http.Client {
	tr := &http.Transport{
		MaxIdleConnsPerHost: conns,
		DisableKeepAlives:   !keepAlive,
		DisableCompression:  true,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// hostLoad is Load with a Host header that differs from the address.
func hostLoad(addr, host string, conns int, d time.Duration, keepAlive bool, hdr http.Header) (Figures, error) {
	client := hostClient(addr, conns, keepAlive)
	defer client.Transport.(*http.Transport).CloseIdleConnections()
	return LoadWith(client, "http://"+host+"/", conns, d, hdr)
}

// parseCost serves a 1 KB page through our server and our client on an
// http or a tcp tunnel and measures keep-alive GETs.
func parseCost(proto string, conns int, d time.Duration) (Figures, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := server.New(server.Config{
		Domain: "example.test", TunnelAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", TCPAddr: "127.0.0.1",
		Tokens: map[string]string{"bench-token": "bench"},
	})
	if err != nil {
		return nil, err
	}
	go srv.Serve(ctx)
	defer srv.Close()
	ep := tunnel.Endpoint{Protocol: proto}
	if proto == "http" {
		ep.Subdomain, ep.HTTPAuth = "parse", "user:pass"
	}
	l, err := tunnel.Listen(ctx, tunnel.Config{
		Server:    srv.TunnelAddr().String(),
		TLSConfig: &tls.Config{RootCAs: srv.RootCAs(), ServerName: "localhost"},
		AuthToken: "bench-token",
		Endpoint:  ep,
	})
	if err != nil {
		return nil, err
	}
	defer l.Close()
	page := strings.Repeat("x", 1024)
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, page) })}
	go hs.Serve(l)
	defer hs.Close()
	u, err := url.Parse(l.URL())
	if err != nil {
		return nil, err
	}
	addr, host := srv.HTTPAddr().String(), u.Host
	if proto == "tcp" {
		_, port, _ := net.SplitHostPort(u.Host)
		addr = "127.0.0.1:" + port
	}
	auth := http.Header{"Authorization": {"Basic dXNlcjpwYXNz"}}
	if err := waitTunnel(addr, host, auth, 10*time.Second); err != nil {
		return nil, err
	}
	return hostLoad(addr, host, conns, d, true, auth)
}
