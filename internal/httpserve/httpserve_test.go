package httpserve

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// serve runs h on loopback under lim and returns its URL.
func serve(t *testing.T, lim Limits, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := lim.Server(h)
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(lim.Listener(ln)) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return "http://" + ln.Addr().String()
}

// TestHandlerTimeDoesNotCount: a handler that pauses between reads of
// the body (a slow upstream) for longer than BodyTimeout, and works
// longer than it after the body ended, still gets the whole body and a
// live request context: only time waiting for the client counts.
func TestHandlerTimeDoesNotCount(t *testing.T) {
	const timeout = 100 * time.Millisecond
	url := serve(t, Limits{BodyTimeout: timeout}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var got int64
		buf := make([]byte, 1000)
		for {
			n, err := r.Body.Read(buf)
			got += int64(n)
			if err == io.EOF {
				break
			}
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			time.Sleep(3 * timeout) // the scenario: a handler busy elsewhere, not a wait for an event
		}
		time.Sleep(3 * timeout) // work after the body, with the background read pending
		if err := r.Context().Err(); err != nil {
			http.Error(w, "context: "+err.Error(), 500)
			return
		}
		fmt.Fprintf(w, "got %d", got)
	}))
	body := bytes.Repeat([]byte("x"), 3000)
	res, err := http.Post(url, "text/plain", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(b) != "got 3000" {
		t.Fatalf("%d %q", res.StatusCode, b)
	}
}

func TestDefaults(t *testing.T) {
	srv := Limits{}.Server(http.NotFoundHandler())
	if srv.ReadHeaderTimeout != DefaultReadHeaderTimeout || srv.IdleTimeout != DefaultIdleTimeout ||
		srv.MaxHeaderBytes != DefaultMaxHeaderBytes || srv.ReadTimeout != 0 || srv.WriteTimeout != 0 {
		t.Fatalf("%+v", srv)
	}
}
