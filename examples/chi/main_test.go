package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/httpmw/httpmw/internal/httpserve"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRouter(t *testing.T) {
	srv := httptest.NewServer(router())
	defer srv.Close()
	for _, tc := range []struct {
		path, accept string
		code         int
		body         string
	}{
		{"/", "", 200, "home\n"},
		{"/api/gopher", "application/json", 200, "{\"hello\":\"gopher\"}\n"},
		{"/api/gopher", "text/html", 406, "406 Not Acceptable\n"},
		{"/missing", "", 404, "404 page not found\n"},
	} {
		req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
		if tc.accept != "" {
			req.Header.Set("Accept", tc.accept)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.code || string(body) != tc.body || res.Header.Get("X-Request-Id") == "" {
			t.Errorf("%s (Accept %q): %d %q id=%q", tc.path, tc.accept, res.StatusCode, body, res.Header.Get("X-Request-Id"))
		}
	}
}

// TestSlowlorisClosed drips request headers to the example's server, set
// up as main sets it up (with a short header timeout): the server must
// close the connection without answering.
func TestSlowlorisClosed(t *testing.T) {
	lim := httpserve.Limits{ReadHeaderTimeout: 300 * time.Millisecond}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := lim.Server(router())
	closed := make(chan string, 10)
	srv.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed <- c.RemoteAddr().String()
		}
	}
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(lim.Listener(ln)) }()
	defer func() { srv.Close(); <-done }()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nX-Drip: ")
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(20 * time.Millisecond) // pacing the attack, not waiting for anything
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if _, err := c.Write([]byte("a")); err != nil {
				return
			}
		}
	}()
	select {
	case addr := <-closed:
		if addr != c.LocalAddr().String() {
			t.Fatalf("closed %s, not the attacker %s", addr, c.LocalAddr())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not close a connection that drips its headers")
	}
	if got, _ := io.ReadAll(c); len(got) != 0 {
		t.Fatalf("answered: %q", got)
	}
}
