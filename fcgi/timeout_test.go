package fcgi

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/testfpm"
	"github.com/httpmw/httpmw/internal/testhttp"
)

// TestWriteTimeout: a script that does not read its body (PHP with
// enable_post_data_reading off) lets the socket buffers fill; the write
// gives up after WriteTimeout with 504, long before the script ends.
func TestWriteTimeout(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{LazyBody: true})
	writeScripts(fpm)
	fpm.Script("noread.php", `<?php sleep(60); echo "done";`)
	s := newSite(t, fpm, Config{WriteTimeout: 300 * time.Millisecond, ReadTimeout: 10 * time.Second})
	cl := &http.Client{Timeout: 30 * time.Second} // the script runs for 60s
	res, err := cl.Post(s.srv.URL+"/noread.php", "application/octet-stream", bytes.NewReader(make([]byte, 32<<20)))
	if err != nil {
		t.Fatalf("the write did not time out: %v", err)
	}
	body := readAll(t, res)
	if res.StatusCode != 504 || body != "504 Gateway Timeout\n" {
		t.Errorf("unread body: %d %q, want 504", res.StatusCode, body)
	}
}

// TestDialTimeout: an endpoint whose accept queue is full drops new SYNs;
// the dial gives up after DialTimeout with 504 and ErrTimeout.
func TestDialTimeout(t *testing.T) {
	addr := fullListener(t)
	root := t.TempDir()
	writeFile(t, root, "x.php", "<?php")
	h, err := New(Config{Root: root, Endpoints: []string{addr}, DialTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	w := httptest.NewRecorder()
	status, err := h.ServeHTTP(w, httptest.NewRequest("GET", "/x.php", nil))
	if status != 504 || !errorsIs(err, ErrTimeout) || w.Body.Len() != 0 {
		t.Errorf("full endpoint: %d, %v, %q; want 504, ErrTimeout, nothing written", status, err, w.Body.String())
	}
	srv := httptest.NewServer(httpmw.ToHTTP(h))
	defer srv.Close()
	if res, body := get(t, nil, srv.URL+"/x.php"); res.StatusCode != 504 || body != "504 Gateway Timeout\n" {
		t.Errorf("page: %d %q", res.StatusCode, body)
	}
}

// fullListener returns the address of a TCP socket listening with a
// backlog of 0 and never accepting, its queue already filled.
func fullListener(t *testing.T) string {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := (&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sa.(*syscall.SockaddrInet4).Port}).String()
	// Fill the accept queue until a connect hangs.
	for i := 0; i < 8; i++ {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			return addr // the queue is full: SYNs are dropped
		}
		t.Cleanup(func() { c.Close() })
	}
	t.Skip("SKIPPING: could not fill a listen queue on this kernel")
	return ""
}

// TestClientGone: when the client leaves while the script runs, the
// handler stops waiting at once and reports 499, not a 5xx.
func TestClientGone(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	fpm.Script("long.php", `<?php sleep(60); echo "late\n";`)
	s := newSite(t, fpm, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel) // the client gives up
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		status, err := s.h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/long.php", nil).WithContext(ctx))
		done <- result{status, err}
	}()
	select {
	case r := <-done:
		if r.status != StatusClientClosedRequest || r.err == nil {
			t.Errorf("client gone: %d, %v; want 499 and an error", r.status, r.err)
		}
	case <-time.After(30 * time.Second): // the script runs for 60s
		t.Fatal("still waiting for the script after the client left")
	}
	// The connection it used was dropped; the next request is served.
	if res, body := get(t, nil, s.srv.URL+"/hello.php"); res.StatusCode != 200 || body != "Hello World\n" {
		t.Errorf("next request: %d %q", res.StatusCode, body)
	}
}

// TestSlowReaderFreesConnection: a client that requests a large page and
// stops reading holds the FastCGI connection only for SendTimeout; the
// next request then gets it, while that client is still connected.
func TestSlowReaderFreesConnection(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	h, err := New(Config{Root: fpm.Root, Endpoints: []string{fpm.Addr}, MaxConns: 1, ReadTimeout: 10 * time.Second, SendTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	wt := newWatched(t, h)
	// 52 MB of output, far more than the socket buffers hold.
	c := rawRequest(t, wt.srv.Listener.Addr().String(), "GET /big.php HTTP/1.1\r\nHost: x\r\n\r\n")
	if line := statusLine(t, c); !strings.HasPrefix(line, "HTTP/1.1 200 ") {
		t.Fatalf("big page: %q", line)
	}
	// c reads no more.
	cl := &http.Client{Timeout: 30 * time.Second}
	if res, body := get(t, cl, wt.srv.URL+"/hello.php"); res.StatusCode != 200 || body != "Hello World\n" {
		t.Errorf("GET beside a client that stopped reading: %d %q, want 200", res.StatusCode, body)
	}
	c.Close()
	testhttp.WaitFor(t, func() bool { return wt.active.Load() == 0 })
}
