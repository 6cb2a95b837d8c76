package server

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/xtaci/smux"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/testhttp"
	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// rawAuth sends Auth with the given Mux offer on a new control connection
// and returns the connection and the raw AuthResp frame body.
func rawAuth(t *testing.T, srv *Server, offer string) (*tls.Conn, []byte) {
	t.Helper()
	c := dialTunnel(t, srv)
	t.Cleanup(func() { c.Close() })
	if err := wire.Write(c, &wire.Auth{Version: wire.Version, MmVersion: wire.MmVersion, User: "alice-token", Mux: offer}); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var prefix [8]byte
	if _, err := io.ReadFull(c, prefix[:]); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, binary.LittleEndian.Uint64(prefix[:]))
	if _, err := io.ReadFull(c, body); err != nil {
		t.Fatal(err)
	}
	return c, body
}

// The server names multiplexing in AuthResp only for a client that offered
// it, and only when it allows it: a 1.7 client gets the 1.7 bytes (and the
// ReqProxy that follows them).
func TestMuxNegotiation(t *testing.T) {
	srv := newTestServer(t, nil)
	off := newTestServer(t, func(c *Config) { c.DisableMux = true })
	for _, tc := range []struct {
		name  string
		srv   *Server
		offer string
		want  string
	}{
		{"1.7 client", srv, "", ""},
		{"offered", srv, "smux/2", "smux/2"},
		{"offered among others", srv, "yamux/1,smux/2", "smux/2"},
		{"unknown offer", srv, "smux/9", ""},
		{"server disabled", off, "smux/2", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, body := rawAuth(t, tc.srv, tc.offer)
			m, err := wire.Decode(body)
			if err != nil {
				t.Fatal(err)
			}
			resp := m.(*wire.AuthResp)
			if resp.Mux != tc.want {
				t.Fatalf("AuthResp.Mux = %q, want %q", resp.Mux, tc.want)
			}
			if tc.want == "" {
				// Byte for byte the 1.7 server's frame, and its ReqProxy.
				if bytes.Contains(body, []byte("Mux")) {
					t.Fatalf("AuthResp without multiplexing mentions it: %s", body)
				}
				next, err := wire.Read(c, 0)
				if _, ok := next.(*wire.ReqProxy); !ok || err != nil {
					t.Fatalf("after AuthResp: %v, %v; want ReqProxy", next, err)
				}
			}
		})
	}
}

// muxClient is a minimal multiplexing client: it negotiates, opens a tcp
// tunnel and serves each stream from a local address.
type muxClient struct {
	ctl  net.Conn
	id   string
	sess *smux.Session
	url  string
	wg   sync.WaitGroup
}

func connectMux(t *testing.T, srv *Server, local string) *muxClient {
	t.Helper()
	ctl, body := rawAuth(t, srv, wire.MuxSmux)
	m, _ := wire.Decode(body)
	resp := m.(*wire.AuthResp)
	if resp.Mux != wire.MuxSmux {
		t.Fatalf("AuthResp = %s", body)
	}
	ctl.SetReadDeadline(time.Time{})
	mc := &muxClient{ctl: ctl, id: resp.ClientId}
	mconn := dialTunnel(t, srv)
	if err := wire.Write(mconn, &wire.RegMux{ClientId: mc.id}); err != nil {
		t.Fatal(err)
	}
	sess, err := smux.Client(mconn, &smux.Config{Version: 2, KeepAliveInterval: time.Second, KeepAliveTimeout: 30 * time.Second,
		MaxFrameSize: 32 << 10, MaxReceiveBuffer: 4 << 20, MaxStreamBuffer: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	mc.sess = sess
	t.Cleanup(func() { sess.Close(); ctl.Close(); mc.wg.Wait() })
	if err := wire.Write(ctl, &wire.ReqTunnel{ReqId: "m", Protocol: "http", Subdomain: "mux"}); err != nil {
		t.Fatal(err)
	}
	ctl.SetReadDeadline(time.Now().Add(5 * time.Second))
	nt, err := wire.Read(ctl, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctl.SetReadDeadline(time.Time{})
	mc.url = nt.(*wire.NewTunnel).Url
	mc.wg.Add(1)
	go func() {
		defer mc.wg.Done()
		for {
			st, err := sess.AcceptStream()
			if err != nil {
				return
			}
			mc.wg.Add(1)
			go func() {
				defer mc.wg.Done()
				defer st.Close()
				if _, err := wire.Read(st, 0); err != nil {
					return
				}
				lc, err := net.Dial("tcp", local)
				if err != nil {
					return
				}
				splice(st, lc, nil, nil)
			}()
		}
	}()
	return mc
}

// A session holds at most MuxLimits.MaxStreams streams: a public request
// beyond it gets 502 at once, and the session serves again when a stream
// ends.
func TestMuxMaxStreams(t *testing.T) {
	srv := newTestServer(t, func(c *Config) { c.Mux.MaxStreams = 1 })
	entered, release := make(chan struct{}, 1), make(chan struct{})
	local := newLocal(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hold" {
			entered <- struct{}{}
			<-release
		}
		io.WriteString(w, "ok")
	}))
	mc := connectMux(t, srv, local)
	client := newHTTPClient(t)
	done := make(chan int, 1)
	go func() {
		code, _ := publicGet(t, client, srv, mc.url, "/hold", nil)
		done <- code
	}()
	<-entered
	other := newHTTPClient(t) // a connection of its own
	if code, body := publicGet(t, other, srv, mc.url, "/second", nil); code != http.StatusBadGateway {
		t.Fatalf("second stream: %d %q; want 502", code, body)
	}
	close(release)
	if code := <-done; code != 200 {
		t.Fatalf("first stream: %d", code)
	}
	client.CloseIdleConnections() // its stream ends with its connection
	testhttp.WaitFor(t, func() bool {
		code, _ := publicGet(t, newHTTPClient(t), srv, mc.url, "/third", nil)
		return code == 200
	})
}

// Streams are the server's to open: a client that opens one breaks the
// protocol, and its session (control connection included) ends.
func TestMuxClientOpenedStreamEndsSession(t *testing.T) {
	srv := newTestServer(t, nil)
	local := echoServer(t)
	mc := connectMux(t, srv, local.Listener.Addr().String())
	// The server starts its side of the session with the first public
	// connection.
	if code, body := publicGet(t, newHTTPClient(t), srv, mc.url, "/", nil); code != 200 {
		t.Fatalf("GET: %d %q", code, body)
	}
	// OpenStream may already see the server's answer: the connection closed.
	if st, err := mc.sess.OpenStream(); err == nil {
		st.Write([]byte("hello"))
	}
	mc.ctl.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, err := wire.Read(mc.ctl, 0); err != nil {
			if isTimeout(err) {
				t.Fatal("the control connection outlived the protocol violation")
			}
			break
		}
	}
	testhttp.WaitFor(t, func() bool { return srv.Stats().Clients == 0 })
}

// RegMux from a client that did not negotiate, or with an unknown id, is
// closed without an answer.
func TestMuxRegMuxRefused(t *testing.T) {
	srv := newTestServer(t, nil)
	c, _ := connect(t, srv, "alice-token", "", "")
	for _, id := range []string{c.id, "0123456789abcdef0123456789abcdef"} {
		conn := dialTunnel(t, srv)
		wire.Write(conn, &wire.RegMux{ClientId: id})
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := conn.Read(make([]byte, 1)); err == nil || isTimeout(err) {
			t.Fatalf("RegMux for %s: read %v; want the connection closed", id[:4], err)
		}
		conn.Close()
	}
}

func TestMuxLimitsValidated(t *testing.T) {
	for field, edit := range map[string]func(*Config){
		"Mux.MaxStreams":       func(c *Config) { c.Mux.MaxStreams = -1 },
		"Mux.StreamWindow":     func(c *Config) { c.Mux.StreamWindow = 100 },
		"Mux.SessionBuffer":    func(c *Config) { c.Mux.StreamWindow, c.Mux.SessionBuffer = 1<<20, 1<<19 },
		"Mux.KeepAliveTimeout": func(c *Config) { c.Mux.KeepAliveInterval, c.Mux.KeepAliveTimeout = time.Minute, time.Second },
	} {
		cfg := Config{Domain: "example.test", HTTPAddr: "127.0.0.1:0", AllowAnonymous: true, TunnelAddr: "127.0.0.1:0"}
		edit(&cfg)
		_, err := New(cfg)
		var ce *httpmw.ConfigError
		if !errors.As(err, &ce) || ce.Package != "server" || ce.Field != "Config."+field {
			t.Errorf("%s: err = %v, want an *httpmw.ConfigError for Config.%[1]s", field, err)
		}
	}
}

// A client that stops reading its multiplexed connection fails it within
// Config.WriteTimeout: the public requests on it end (502 or closed)
// instead of waiting on writes that never finish.
func TestMuxClientThatStopsReadingFailsItsSession(t *testing.T) {
	srv := newTestServer(t, func(c *Config) { c.WriteTimeout = 300 * time.Millisecond })
	ctl, body := rawAuth(t, srv, wire.MuxSmux)
	m, _ := wire.Decode(body)
	id := m.(*wire.AuthResp).ClientId
	ctl.SetReadDeadline(time.Time{})
	// The multiplexed connection, with a small receive buffer, never read.
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	raw, err := d.Dial("tcp", srv.TunnelAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	mconn := tlsClient(raw, srv)
	t.Cleanup(func() { mconn.Close() })
	if err := wire.Write(mconn, &wire.RegMux{ClientId: id}); err != nil {
		t.Fatal(err)
	}
	wire.Write(ctl, &wire.ReqTunnel{ReqId: "m", Protocol: "http", Subdomain: "deaf"})
	ctl.SetReadDeadline(time.Now().Add(5 * time.Second))
	nt, err := wire.Read(ctl, 0)
	if err != nil {
		t.Fatal(err)
	}
	url := nt.(*wire.NewTunnel).Url
	// 32 uploads of 300 KB: each stream may send a window (256 KiB), 8 MiB
	// in all, more than the kernel buffers between the two.
	upload := strings.Repeat("u", 300<<10)
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", "http://"+srv.HTTPAddr().String()+"/up", strings.NewReader(upload))
			req.Host = strings.TrimPrefix(url, "http://")
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 20 * time.Second}
			res, err := client.Do(req)
			if err != nil {
				if isTimeout(err) {
					t.Errorf("an upload hung: %v", err)
				}
				return
			}
			res.Body.Close()
			if res.StatusCode != http.StatusBadGateway {
				t.Errorf("upload answered %d; want 502", res.StatusCode)
			}
		}()
	}
	wg.Wait()
	testhttp.WaitFor(t, func() bool { return srv.Stats().Clients == 0 })
}

// A client that ignores the stream windows and floods a stream whose
// public reader has stopped cannot make the server buffer without bound:
// past Mux.SessionBuffer the server stops reading the connection, and the
// client's writes stall.
func TestMuxFloodingClientIsBounded(t *testing.T) {
	const flood = 64 << 20
	srv := newTestServer(t, nil) // SessionBuffer 8 MiB
	ctl, body := rawAuth(t, srv, wire.MuxSmux)
	m, _ := wire.Decode(body)
	id := m.(*wire.AuthResp).ClientId
	mconn := dialTunnel(t, srv)
	t.Cleanup(func() { mconn.Close() })
	if err := wire.Write(mconn, &wire.RegMux{ClientId: id}); err != nil {
		t.Fatal(err)
	}
	wire.Write(ctl, &wire.ReqTunnel{ReqId: "f", Protocol: "http", Subdomain: "flood"})
	ctl.SetReadDeadline(time.Now().Add(5 * time.Second))
	nt, err := wire.Read(ctl, 0)
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(nt.(*wire.NewTunnel).Url, "http://")
	// A public client that sends a request and never reads.
	pub, err := net.Dial("tcp", srv.HTTPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pub.Close() })
	io.WriteString(pub, "GET / HTTP/1.1\r\nHost: "+host+"\r\n\r\n")
	// The server opens a stream: find its id in the SYN frame, then keep
	// reading (and dropping) what the server sends.
	var hdr [8]byte
	var sid uint32
	for sid == 0 {
		if _, err := io.ReadFull(mconn, hdr[:]); err != nil {
			t.Fatal(err)
		}
		if hdr[1] == 0 { // SYN
			sid = binary.LittleEndian.Uint32(hdr[4:])
		}
		io.CopyN(io.Discard, mconn, int64(binary.LittleEndian.Uint16(hdr[2:])))
	}
	mconn.SetReadDeadline(time.Time{})
	go io.Copy(io.Discard, mconn)
	frame := func(p []byte) []byte {
		b := make([]byte, 8, 8+len(p))
		b[0], b[1] = 2, 2 // version 2, PSH
		binary.LittleEndian.PutUint16(b[2:], uint16(len(p)))
		binary.LittleEndian.PutUint32(b[4:], sid)
		return append(b, p...)
	}
	var sent atomic.Int64
	go func() {
		mconn.Write(frame([]byte("HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n")))
		chunk := frame(make([]byte, 32<<10))
		for sent.Load() < flood {
			if _, err := mconn.Write(chunk); err != nil {
				return
			}
			sent.Add(32 << 10)
		}
	}()
	// Wait until the writes stall (no progress for a second) or the
	// whole flood went in. (A stall seen too early only makes the test
	// weaker, never flaky.)
	for last, still := int64(-1), 0; still < 5; {
		time.Sleep(200 * time.Millisecond)
		n := sent.Load()
		if n >= flood {
			t.Fatalf("the server took the whole %d MiB flood: its buffering is not bounded", flood>>20)
		}
		if n == last {
			still++
		} else {
			last, still = n, 0
		}
	}
}
