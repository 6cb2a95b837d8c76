package tunnel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/testhttp"
)

// events collects a session's events on a channel.
func events(cfg *Config) <-chan Event {
	ch := make(chan Event, 256)
	cfg.OnEvent = func(e Event) {
		select {
		case ch <- e:
		default:
		}
	}
	return ch
}

// waitFor returns the first event of kind k, failing after 10 s.
func waitFor(t *testing.T, ch <-chan Event, k EventKind) Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e := <-ch:
			if e.Kind == k {
				return e
			}
		case <-timeout:
			t.Fatalf("no %v event", k)
		}
	}
}

func TestReconnectAfterServerRestartKeepsURLAndAccept(t *testing.T) {
	f := newFakeServer(t)
	cfg := f.config()
	cfg.Subdomain = "stay"
	ev := events(&cfg)
	l, err := Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, ev, EventConnected)
	serve(t, l, whoami)
	get(t, f.httpClient(l.URL()), "http://stay.fake.test/before")
	first := <-f.auths

	f.restart()
	e := waitFor(t, ev, EventReconnecting)
	if e.Err == nil || e.Attempt != 1 || e.Delay < cfg.BackoffMin || e.Delay > cfg.BackoffMax {
		t.Fatalf("reconnecting event %+v", e)
	}
	waitFor(t, ev, EventConnected)
	again := <-f.auths
	if first.ClientId != "" || again.ClientId == "" {
		t.Fatalf("client ids: first %q, on reconnect %q; want the server's id resent", first.ClientId, again.ClientId)
	}
	if l.URL() != "http://stay.fake.test" {
		t.Fatalf("URL after reconnect = %q", l.URL())
	}
	// The same http.Serve, with no error seen, serves through the new
	// control connection.
	if got := get(t, f.httpClient(l.URL()), "http://stay.fake.test/after"); !strings.HasSuffix(got, "/after") {
		t.Fatalf("after reconnect: %q", got)
	}
}

func TestMissingPongReconnects(t *testing.T) {
	f := newFakeServer(t)
	f.silent.Store(true)
	cfg := f.config()
	cfg.PingInterval = 10 * time.Millisecond
	cfg.PongTimeout = 30 * time.Millisecond
	ev := events(&cfg)
	l, err := Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	e := waitFor(t, ev, EventReconnecting)
	var ne net.Error
	if !errors.Is(e.Err, ErrTimeout) || !errors.As(e.Err, &ne) || !ne.Timeout() {
		t.Fatalf("reconnect cause %v, want a timeout", e.Err)
	}
	f.silent.Store(false)
	waitFor(t, ev, EventConnected)
}

func TestBadControlFramesReconnect(t *testing.T) {
	for _, c := range []struct {
		name  string
		frame []byte
		drop  bool // the server closes the connection after the frame
	}{
		{"oversized", rawFrame(1<<40, ""), false},
		{"negative length", rawFrame(-1, ""), false},
		{"not JSON", rawFrame(5, "hello"), false},
		{"no payload", rawFrame(15, `{"Type":"Pong"}`), false},
		{"truncated", rawFrame(100, `{"Type":"Pong","Pay`), true},
		{"connection dropped", nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeServer(t)
			cfg := f.config()
			ev := events(&cfg)
			l, err := Listen(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			serve(t, l, whoami)
			waitFor(t, ev, EventConnected)
			f.inject(c.frame)
			if c.drop {
				f.dropControls()
			}
			e := waitFor(t, ev, EventReconnecting)
			t.Logf("reconnecting after: %v", e.Err)
			waitFor(t, ev, EventConnected)
			get(t, f.httpClient(l.URL()), l.URL()+"/")
		})
	}
}

func TestUnknownMessageTypeIsIgnored(t *testing.T) {
	f := newFakeServer(t)
	cfg := f.config()
	ev := events(&cfg)
	s, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	waitFor(t, ev, EventConnected)
	f.inject(rawFrame(int64(len(`{"Type":"Bogus","Payload":{}}`)), `{"Type":"Bogus","Payload":{}}`))
	// The control connection reads in order, so by the time NewTunnel
	// arrives the unknown message has been skipped.
	if _, err := s.Listen(context.Background(), Endpoint{Subdomain: "after-bogus"}); err != nil {
		t.Fatal(err)
	}
	for len(ev) > 0 {
		if e := <-ev; e.Kind == EventReconnecting {
			t.Fatalf("reconnected after an unknown message: %v", e.Err)
		}
	}
}

func TestBadProxyConnectionsAreDropped(t *testing.T) {
	for _, c := range []struct {
		name  string
		frame []byte
	}{
		{"oversized", rawFrame(1<<40, "")},
		{"not JSON", rawFrame(5, "hello")},
		{"wrong message", rawFrame(int64(len(`{"Type":"Pong","Payload":{}}`)), `{"Type":"Pong","Payload":{}}`)},
		{"unknown tunnel", rawFrame(int64(len(`{"Type":"StartProxy","Payload":{"Url":"http://nope.fake.test","ClientAddr":"1.2.3.4:5"}}`)),
			`{"Type":"StartProxy","Payload":{"Url":"http://nope.fake.test","ClientAddr":"1.2.3.4:5"}}`)},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeServer(t)
			cfg := f.config()
			ev := events(&cfg)
			l, err := Listen(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			serve(t, l, whoami)
			p, err := f.takeProxy(l.URL())
			if err != nil {
				t.Fatal(err)
			}
			p.Write(c.frame)
			// The client hangs up on that proxy connection...
			p.SetReadDeadline(time.Now().Add(10 * time.Second))
			if n, err := p.Read(make([]byte, 1)); err == nil || errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("proxy connection still open after a bad frame: %d, %v", n, err)
			}
			p.Close()
			// ...and the session goes on.
			get(t, f.httpClient(l.URL()), l.URL()+"/")
			for len(ev) > 0 {
				if e := <-ev; e.Kind == EventReconnecting {
					t.Fatalf("a bad proxy connection made the session reconnect: %v", e.Err)
				}
			}
		})
	}
}

func TestProxyDroppedMidStream(t *testing.T) {
	f := newFakeServer(t)
	l, err := Listen(context.Background(), f.config())
	if err != nil {
		t.Fatal(err)
	}
	writeErr := make(chan error, 1)
	serve(t, l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/big" {
			io.WriteString(w, "small")
			return
		}
		chunk := make([]byte, 64<<10)
		for {
			if _, err := w.Write(chunk); err != nil {
				writeErr <- err
				return
			}
		}
	}))
	c, err := f.open(l.URL(), "192.0.2.9:99")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(c, make([]byte, 256<<10)); err != nil {
		t.Fatal(err)
	}
	c.Close() // the server drops the proxy connection mid-response
	if err := <-writeErr; err == nil {
		t.Fatal("handler's write did not fail")
	}
	if got := get(t, f.httpClient(l.URL()), l.URL()+"/"); got != "small" {
		t.Fatalf("next request: %q", got)
	}
}

func TestHandlerThatNeverReadsBlocksOnlyItself(t *testing.T) {
	f := newFakeServer(t)
	cfg := f.config()
	cfg.Protocol = "tcp"
	l, err := Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	stuckAccepted := make(chan struct{})
	handlers := make(chan struct{}, 2)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			// Connections arrive in any order; the public address says
			// which one this is.
			if c.RemoteAddr().String() == "192.0.2.1:1" { // never reads, until the test ends
				close(stuckAccepted)
				go func() { <-release; c.Close(); handlers <- struct{}{} }()
				continue
			}
			go func() { io.Copy(c, c); c.Close(); handlers <- struct{}{} }()
		}
	}()

	stuck, err := f.open(l.URL(), "192.0.2.1:1")
	if err != nil {
		t.Fatal(err)
	}
	flooded := make(chan error, 1)
	go func() {
		_, err := stuck.Write(make([]byte, 64<<20)) // far more than the buffers hold
		flooded <- err
	}()
	<-stuckAccepted

	echo, err := f.open(l.URL(), "192.0.2.1:2")
	if err != nil {
		t.Fatal(err)
	}
	expectEcho(t, echo, "still served")
	echo.Close()

	closed := make(chan struct{})
	go func() { l.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hung behind a handler that never reads")
	}
	close(release)
	if err := <-flooded; err == nil {
		t.Fatal("a 64 MiB write to a handler that never read succeeded")
	}
	stuck.Close()
	<-handlers
	<-handlers
}

func TestReqProxyFloodIsBounded(t *testing.T) {
	// A session already at maxProxies opens nothing more, however many
	// ReqProxy a server sends. (Were it to, the nil control and session
	// context here would crash the test.)
	s := &Session{proxies: maxProxies}
	for range 1000 {
		s.dialProxy(nil)
	}
	if s.proxies != maxProxies {
		t.Fatalf("proxies = %d, want %d", s.proxies, maxProxies)
	}
}

func TestSessionListenWaitsForReconnect(t *testing.T) {
	f := newFakeServer(t)
	cfg := f.config()
	ev := events(&cfg)
	s, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, err := s.Listen(context.Background(), Endpoint{Subdomain: "a"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, ev, EventConnected)
	f.stop()
	waitFor(t, ev, EventReconnecting)

	// While the server is down, Listen waits within its ctx...
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.Listen(short, Endpoint{Subdomain: "b"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Listen while down: %v, want the ctx's deadline", err)
	}
	// ...and succeeds once the session is back, beside the tunnel the
	// reconnect registered again.
	got := make(chan error, 1)
	go func() {
		_, err := s.Listen(context.Background(), Endpoint{Subdomain: "b"})
		got <- err
	}()
	f.listen(f.addr)
	if err := <-got; err != nil {
		t.Fatalf("Listen after the server came back: %v", err)
	}
	serve(t, a, whoami)
	get(t, f.httpClient(a.URL()), a.URL()+"/")
}

func TestLogsAndEventsCarryNoSecrets(t *testing.T) {
	f := newFakeServer(t)
	var buf testhttp.Buffer
	cfg := f.config()
	cfg.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.HTTPAuth = "alice:hunter2"
	var evs []string
	var mu sync.Mutex
	ev := make(chan Event, 64)
	cfg.OnEvent = func(e Event) {
		mu.Lock()
		evs = append(evs, fmt.Sprintf("%+v", e))
		mu.Unlock()
		record(ev, e)
	}
	l, err := Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, ev, EventConnected)
	f.restart()
	waitFor(t, ev, EventConnected)
	l.Close()
	auth := <-f.auths
	again := <-f.auths
	mu.Lock()
	all := buf.String() + strings.Join(evs, "\n")
	mu.Unlock()
	if !strings.Contains(all, "reconnecting") {
		t.Fatalf("nothing logged about the reconnect:\n%s", all)
	}
	for _, secret := range []string{auth.User, "hunter2", again.ClientId} {
		if secret == "" || strings.Contains(all, secret) {
			t.Fatalf("logs or events contain %q:\n%s", secret, all)
		}
	}
}

func TestSilentServerTimesOut(t *testing.T) {
	for _, c := range []struct {
		name  string
		setup func(*fakeServer)
	}{
		{"no AuthResp", func(f *fakeServer) { f.muteAuth = true }},
		{"no NewTunnel", func(f *fakeServer) { f.muteTunnels = true }},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeServer(t)
			c.setup(f)
			cfg := f.config()
			cfg.ReplyTimeout = 50 * time.Millisecond
			_, err := Listen(context.Background(), cfg)
			var ne net.Error
			if !errors.Is(err, ErrTimeout) || !errors.As(err, &ne) || !ne.Timeout() {
				t.Fatalf("Listen: %v, want a timeout", err)
			}
		})
	}
	t.Run("ctx ends the wait", func(t *testing.T) {
		f := newFakeServer(t)
		f.muteAuth = true
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			<-f.auths
			cancel()
		}()
		_, err := Listen(ctx, f.config()) // ReplyTimeout is 5 s here
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Listen: %v, want context.Canceled", err)
		}
	})
}
