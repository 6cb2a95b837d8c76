package server

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/testhttp"
	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// liveTunnel registers an http tunnel for alice and checks it serves, so a
// fault test can show that other clients were not affected.
func liveTunnel(t *testing.T, srv *Server, sub string) func() {
	t.Helper()
	local := echoServer(t)
	c, _ := connect(t, srv, "alice-token", "", local.Listener.Addr().String())
	nt := c.tunnel(&wire.ReqTunnel{ReqId: "x", Protocol: "http", Subdomain: sub})[0]
	// The first request takes a pooled proxy connection, and the later
	// ones reuse its keep-alive connection, so that none waits for a
	// proxy: some tests make that wait short.
	testhttp.WaitFor(t, func() bool { return pooledProxies(srv, c.id) > 0 })
	client := newHTTPClient(t)
	check := func() {
		t.Helper()
		if code, body := publicGet(t, client, srv, nt.Url, "/still-here", nil); code != 200 {
			t.Fatalf("other client's tunnel: %d %q", code, body)
		}
	}
	check()
	return check
}

func TestFrameLengthsRefused(t *testing.T) {
	srv := newTestServer(t, nil)
	check := liveTunnel(t, srv, "bystander")
	for i, prefix := range []uint64{1 << 40, 1 << 63, uint64(srv.cfg.MaxFrame) + 1} {
		conn := dialTunnel(t, srv)
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], prefix)
		conn.Write(b[:])
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if n, err := conn.Read(make([]byte, 1)); err == nil {
			t.Fatalf("prefix %#x: server answered %d bytes instead of closing", prefix, n)
		}
		conn.Close()
		if got := srv.Stats().BadFrames; got != int64(i+1) {
			t.Fatalf("BadFrames = %d after %d bad prefixes", got, i+1)
		}
	}
	// Also on an established control connection.
	c, _ := connect(t, srv, "alice-token", "", "")
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], 1<<40)
	c.ctl.Write(b[:])
	testhttp.WaitFor(t, func() bool { return srv.Stats().BadFrames == 4 })
	check()
}

func TestGarbageInsteadOfTLS(t *testing.T) {
	srv := newTestServer(t, nil)
	check := liveTunnel(t, srv, "bystander")
	for _, garbage := range []string{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", strings.Repeat("\x00", 4096), "\x16\x03\x01\xff\xff"} {
		conn, err := net.Dial("tcp", srv.TunnelAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		conn.Write([]byte(garbage))
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		io.Copy(io.Discard, conn) // until the server closes it
		conn.Close()
	}
	check()
	if got := srv.Stats().BadHandshakes; got < 2 {
		t.Fatalf("BadHandshakes = %d", got)
	}
}

func TestSlowlorisPublicConnection(t *testing.T) {
	srv := newTestServer(t, func(c *Config) { c.HeaderReadTimeout = 300 * time.Millisecond })
	check := liveTunnel(t, srv, "bystander")
	conn, err := net.Dial("tcp", srv.HTTPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		// One byte of header every 50 ms, for as long as the server takes.
		conn.Write([]byte("GET / HTTP/1.1\r\nHost: bystander.example.test\r\nX-Slow: "))
		for {
			if _, err := conn.Write([]byte{'a'}); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	check() // others are served meanwhile
	conn.SetReadDeadline(time.Now().Add(patience))
	if _, err := io.Copy(io.Discard, conn); isTimeout(err) {
		t.Fatal("a header that never ends held its connection")
	}
	conn.Close()
	<-closed
	testhttp.WaitFor(t, func() bool { return srv.Stats().HeaderTimeouts == 1 })
}

// TestStalledBodyIsCut: a request body that stops arriving loses its
// connection after BodyReadTimeout, while a slow body that keeps moving,
// for longer than that in all, goes through.
func TestStalledBodyIsCut(t *testing.T) {
	srv := newTestServer(t, func(c *Config) { c.BodyReadTimeout = 2 * time.Second })
	check := liveTunnel(t, srv, "bystander")
	post := func(chunks []string, pause time.Duration) (reply string, err error) {
		conn, err := net.Dial("tcp", srv.HTTPAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST /up HTTP/1.1\r\nHost: bystander.example.test\r\nContent-Length: 30\r\nConnection: close\r\n\r\n")
		for _, c := range chunks {
			time.Sleep(pause)
			conn.Write([]byte(c))
		}
		conn.SetReadDeadline(time.Now().Add(patience))
		b, err := io.ReadAll(conn)
		return string(b), err
	}

	// 30 bytes in 30 pieces, 100 ms apart: three seconds in all, but
	// never a twentieth of the timeout without a byte.
	var moving []string
	for i := range 30 {
		moving = append(moving, string(rune('a'+i%26)))
	}
	if reply, _ := post(moving, 100*time.Millisecond); !strings.Contains(reply, "body="+strings.Join(moving, "")) {
		t.Fatalf("slow but moving upload: %q", reply)
	}
	// 5 bytes, then nothing: the server closes the connection.
	reply, err := post([]string{"12345"}, 0)
	if strings.Contains(reply, "200 OK") || isTimeout(err) {
		t.Fatalf("stalled upload: %q, %v; want the connection closed after BodyReadTimeout", reply, err)
	}
	testhttp.WaitFor(t, func() bool { return srv.Stats().BodyTimeouts == 1 })
	check()
}

// TestIdlePublicConnectionsBounded opens 10,000 idle public connections
// against a limit of 300 and checks that the extras are refused at once,
// that goroutines and heap stay flat meanwhile, that the server lets go of
// them when the clients do, and that other clients are served throughout.
// The idle connections do not expire during the test (header timeouts
// have their own tests), so what it counts does not depend on how fast
// the machine opens them.
func TestIdlePublicConnectionsBounded(t *testing.T) {
	const limit, opened = 300, 10000
	srv := newTestServer(t, func(c *Config) {
		c.MaxPublicConns = limit
		c.HeaderReadTimeout = time.Hour
	})
	check := liveTunnel(t, srv, "bystander")
	base := runtime.NumGoroutine()
	heapBefore := heapInUse()
	conns := make([]net.Conn, 0, opened)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range opened {
		c, err := net.Dial("tcp", srv.HTTPAddr().String())
		if err != nil {
			t.Fatalf("dial after %d: %v", len(conns), err)
		}
		conns = append(conns, c)
	}
	// One address: its share (MaxPublicConnsPerAddr, 256) is reached
	// before the limit; the bystander's keep-alive connection holds one.
	held := int64(srv.cfg.MaxPublicConnsPerAddr - 1)
	testhttp.WaitFor(t, func() bool { st := srv.Stats(); return st.RefusedPublicConns+st.RefusedPublicAddr == opened-held })
	if open := srv.Stats().PublicConns; open > limit {
		t.Fatalf("%d public connections open, limit %d", open, limit)
	}
	if g := runtime.NumGoroutine(); g > base+limit+50 {
		t.Fatalf("%d goroutines for %d idle connections (base %d)", g, opened, base)
	}
	// The test's own 10,000 client sockets are most of it (6.6 MB under
	// -race); a buffer per refused connection would add 40 MB or more.
	if grown := heapInUse() - heapBefore; grown > 16<<20 {
		t.Fatalf("heap grew by %d MB with %d idle connections open", grown>>20, opened)
	}
	check()
	// The clients go, and so do the server's connections.
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	testhttp.WaitFor(t, func() bool { return srv.Stats().PublicConns <= 1 }) // the bystander's keep-alive
	check()
}

// pooledProxies is how many idle proxy connections a session holds.
func pooledProxies(srv *Server, clientID string) int {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if c := srv.controls[clientID]; c != nil {
		return len(c.proxies)
	}
	return 0
}

// heapInUse is the live heap after a collection.
func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

func TestProxyPoolExhausted(t *testing.T) {
	srv := newTestServer(t, func(c *Config) { c.ProxyWaitTimeout = 300 * time.Millisecond })
	check := liveTunnel(t, srv, "bystander")
	// A client that never opens proxy connections.
	c, _ := connect(t, srv, "alice-token", "", "")
	nt := c.tunnel(&wire.ReqTunnel{ReqId: "s", Protocol: "http+tcp", Subdomain: "stingy"})
	// The wait ends (the client's own timeout is far longer).
	code, body := publicGet(t, newHTTPClient(t), srv, nt[0].Url, "/", nil)
	if code != http.StatusBadGateway || !strings.Contains(body, "unavailable") {
		t.Fatalf("got %d %q, want 502", code, body)
	}
	// A tcp connection is closed after the wait.
	port := nt[1].Url[strings.LastIndex(nt[1].Url, ":")+1:]
	tc, err := net.Dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	tc.SetReadDeadline(time.Now().Add(patience))
	if _, err := tc.Read(make([]byte, 1)); isTimeout(err) {
		t.Fatal("tcp public connection not closed")
	}
	tc.Close()
	if got := srv.Stats().NoProxy; got != 2 {
		t.Fatalf("NoProxy = %d", got)
	}
	check()
}

func TestPooledProxiesAndTunnelsPerClientBounded(t *testing.T) {
	srv := newTestServer(t, func(c *Config) { c.MaxPooledProxies = 2; c.MaxTunnelsPerClient = 2 })
	c, resp := connect(t, srv, "alice-token", "", "")
	// Five proxy registrations: two pooled, three closed at once.
	var closedCount atomic.Int64
	for range 5 {
		pc := dialTunnel(t, srv)
		defer pc.Close()
		wire.Write(pc, &wire.RegProxy{ClientId: resp.ClientId})
		go func() {
			pc.SetReadDeadline(time.Now().Add(patience))
			if _, err := pc.Read(make([]byte, 1)); !isTimeout(err) {
				closedCount.Add(1)
			}
		}()
	}
	testhttp.WaitFor(t, func() bool { return closedCount.Load() == 3 && pooledProxies(srv, resp.ClientId) == 2 })
	nts := c.tunnel(&wire.ReqTunnel{ReqId: "t", Protocol: "http+https"})
	if nts[0].Error != "" || nts[1].Error != "" {
		t.Fatal("two tunnels refused")
	}
	if nt := c.tunnel(&wire.ReqTunnel{ReqId: "u", Protocol: "tcp"})[0]; !strings.Contains(nt.Error, "too many tunnels") {
		t.Fatalf("third tunnel: %+v", nt)
	}
}

func TestClientVanishesMidStream(t *testing.T) {
	srv := newTestServer(t, nil)
	check := liveTunnel(t, srv, "bystander")
	release := make(chan struct{})
	defer close(release)
	local := newLocal(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000000")
		w.Write(make([]byte, 1000))
		w.(http.Flusher).Flush()
		<-release
	}))
	c, _ := connect(t, srv, "alice-token", "", local)
	nt := c.tunnel(&wire.ReqTunnel{ReqId: "v", Protocol: "http", Subdomain: "vanish"})[0]
	req, _ := http.NewRequest("GET", "http://"+srv.HTTPAddr().String()+"/", nil)
	req.Host = strings.TrimPrefix(nt.Url, "http://")
	res, err := newHTTPClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if _, err := io.ReadFull(res.Body, make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	c.close() // control and proxy connections gone mid-response
	errc := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, res.Body)
		errc <- err
	}()
	select {
	case err := <-errc:
		if err == nil {
			t.Fatal("truncated response reported as complete")
		}
	case <-time.After(patience):
		t.Fatal("public request hangs after its client vanished")
	}
	testhttp.WaitFor(t, func() bool { return srv.Stats().Clients == 1 })
	check()
}

func newLocal(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: h}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String()
}

// TestSilentClientEndsItsStreams: a client that stops pinging and never
// answers (no FIN, as after a power cut) must not leave public requests
// waiting on its proxy connections forever.
func TestSilentClientEndsItsStreams(t *testing.T) {
	srv := newTestServer(t, func(c *Config) { c.PingTimeout = 2 * time.Second })
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hang.Close()
	reached := make(chan struct{})
	go func() {
		for {
			c, err := hang.Accept()
			if err != nil {
				return
			}
			defer c.Close() // holds the connection, never answers
			select {
			case <-reached:
			default:
				close(reached)
			}
		}
	}()
	c, _ := connect(t, srv, "alice-token", "", hang.Addr().String())
	nt := c.tunnel(&wire.ReqTunnel{ReqId: "h", Protocol: "http", Subdomain: "hang"})[0]
	// The client pings until the request has reached its local service,
	// then falls silent.
	stop, pinged := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(pinged)
		for {
			select {
			case <-reached:
				return
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				for len(c.msgs) > 0 {
					<-c.msgs // the Pongs
				}
				if wire.Write(c.ctl, &wire.Ping{}) != nil {
					return
				}
			}
		}
	}()
	defer func() { close(stop); <-pinged }()
	code, _ := publicGet(t, newHTTPClient(t), srv, nt.Url, "/", nil)
	if code != http.StatusBadGateway {
		t.Fatalf("status %d, want 502", code)
	}
}
