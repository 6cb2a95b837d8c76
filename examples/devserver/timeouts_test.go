package main

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startTimed serves h on loopback with every timeout set to limit.
func startTimed(t *testing.T, h http.Handler, limit time.Duration) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := timedServer(h, limit, limit, limit, limit)
	done := make(chan struct{})
	go func() { srv.Serve(ln); close(done) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return ln.Addr().String()
}

// TestLongDownloadOutlastsTheWriteTimeout: a response that keeps moving
// may take longer than the write and read timeouts, as a large file over a
// slow tunnel does; its request's context stays alive meanwhile.
func TestLongDownloadOutlastsTheWriteTimeout(t *testing.T) {
	const limit = 300 * time.Millisecond
	ctxErr := make(chan error, 1)
	addr := startTimed(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		for time.Since(start) < 3*limit { // a write every limit/6
			if _, err := io.WriteString(w, strings.Repeat("x", 1024)); err != nil {
				return
			}
			http.NewResponseController(w).Flush()
			time.Sleep(limit / 6)
		}
		io.WriteString(w, "end")
		ctxErr <- r.Context().Err()
	}), limit)
	res, err := http.Get("http://" + addr + "/big")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || !strings.HasSuffix(string(body), "end") {
		t.Fatalf("download cut after %d bytes: %v", len(body), err)
	}
	if err := <-ctxErr; err != nil {
		t.Fatalf("the request's context ended mid-download: %v", err)
	}
	http.DefaultClient.CloseIdleConnections()
}

// TestStalledReaderIsCut: a client that stops reading holds the handler
// only until a write waits longer than the write timeout.
func TestStalledReaderIsCut(t *testing.T) {
	const limit = 300 * time.Millisecond
	writeErr := make(chan error, 1)
	addr := startTimed(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("x", 64<<10))
		for {
			if _, err := w.Write(chunk); err != nil {
				writeErr <- err
				return
			}
		}
	}), limit)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") // and never read
	select {
	case err := <-writeErr:
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("write error %v, want a timeout", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a reader that never reads holds the handler")
	}
}
