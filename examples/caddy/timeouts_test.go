package main

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/httpserve"
)

// short limits for the attacks: the server must close the attacker after
// them; the test waits up to closeWait, so a busy machine only makes it slower.
var short = httpserve.Limits{
	ReadHeaderTimeout: 300 * time.Millisecond,
	BodyTimeout:       300 * time.Millisecond,
	WriteTimeout:      300 * time.Millisecond,
}

const closeWait = 30 * time.Second

// closedConns records which connections the server has closed.
type closedConns struct {
	mu     sync.Mutex
	closed map[string]bool // by client address
	cond   *sync.Cond
}

func newClosedConns() *closedConns {
	c := &closedConns{closed: map[string]bool{}}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func (c *closedConns) hook(conn net.Conn, s http.ConnState) {
	if s == http.StateClosed || s == http.StateHijacked {
		c.mu.Lock()
		c.closed[conn.RemoteAddr().String()] = true
		c.cond.Broadcast()
		c.mu.Unlock()
	}
}

// waitClosed waits until the server closed the connection from addr.
func (c *closedConns) waitClosed(t *testing.T, addr string) {
	t.Helper()
	timer := time.AfterFunc(closeWait, func() { c.mu.Lock(); c.cond.Broadcast(); c.mu.Unlock() })
	defer timer.Stop()
	deadline := time.Now().Add(closeWait)
	c.mu.Lock()
	defer c.mu.Unlock()
	for !c.closed[addr] {
		if time.Now().After(deadline) {
			t.Fatalf("the server did not close the connection from %s within %v", addr, closeWait)
		}
		c.cond.Wait()
	}
}

// attackRunner serves conf with the short limits and returns its URL host.
func attackRunner(t *testing.T, dir, conf string) (string, *closedConns) {
	t.Helper()
	cc := newClosedConns()
	write(t, filepath.Join(dir, "Caddyfile"), conf)
	r := &runner{conf: filepath.Join(dir, "Caddyfile"), host: "127.0.0.1", logOut: io.Discard, limits: short, connState: cc.hook}
	if err := r.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.shutdown(t.Context()) })
	return r.addrs()[":0"], cc
}

// drip writes one byte of s every 20ms until the write fails or stop closes.
func drip(c net.Conn, s string, stop <-chan struct{}) {
	tick := time.NewTicker(20 * time.Millisecond) // pacing the attack, not waiting for anything
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		if _, err := c.Write([]byte{s[i%len(s)]}); err != nil {
			return
		}
	}
}

// TestSlowlorisClosed drips request headers to the running server: it
// must close the connection without answering the request.
func TestSlowlorisClosed(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "index.html"), "home")
	addr, cc := attackRunner(t, dir, ":0\nroot "+dir+"\n")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nX-Drip: ")
	stop := make(chan struct{})
	defer close(stop)
	go drip(c, "abcdefgh", stop)
	cc.waitClosed(t, c.LocalAddr().String())
	got, _ := io.ReadAll(c)
	if strings.Contains(string(got), "200 OK") {
		t.Fatalf("a request whose headers never ended was answered: %q", got)
	}
}

// TestSlowBodyClosed drips a request body through the proxy: the server
// must stop waiting for it, and the upstream be released.
func TestSlowBodyClosed(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "got %d", n)
	}))
	defer upstream.Close()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "index.html"), "home")
	addr, cc := attackRunner(t, dir, ":0\nroot "+dir+"\nproxy /up "+upstream.Listener.Addr().String()+"\n")

	// A whole upload at full speed, several Progress pieces, passes.
	big := make([]byte, 5*httpserve.Progress+7)
	res, err := http.Post("http://"+addr+"/up", "application/octet-stream", strings.NewReader(string(big)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if want := fmt.Sprintf("got %d", len(big)); string(b) != want {
		t.Fatalf("full-speed upload: %d %q, want %q", res.StatusCode, b, want)
	}

	// Dripped to the proxy, which reads the body, and to the file
	// server, which does not (http.Server discards it before answering).
	for _, path := range []string{"/up", "/"} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "POST "+path+" HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n")
		stop := make(chan struct{})
		defer close(stop)
		go drip(c, "x", stop)
		cc.waitClosed(t, c.LocalAddr().String())
		res, err = http.ReadResponse(bufio.NewReader(c), nil)
		if err == nil && path == "/up" && res.StatusCode < 400 {
			t.Fatalf("%s: a dripped body got %d", path, res.StatusCode)
		}
	}
}

// TestNonReaderClosed asks for a large file and never reads the answer:
// the server must close the connection instead of holding it (and the
// file) forever. A client that reads gets the whole file.
func TestNonReaderClosed(t *testing.T) {
	dir := t.TempDir()
	data := make([]byte, 32<<20) // more than the socket buffers hold
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	addr, cc := attackRunner(t, dir, ":0\nroot "+dir+"\n")

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
	cc.waitClosed(t, conn.LocalAddr().String())
	n, _ := io.Copy(io.Discard, conn) // what the kernels had buffered, then EOF
	if n >= int64(len(data)) {
		t.Fatalf("the non-reader got the whole file (%d bytes); the server never gave up", n)
	}
}

// TestLargeDownloadWithDefaults reads a large file through the default
// limits: the write timeout applies to progress, not to the whole
// response, and sendfile pieces add up to the file.
func TestLargeDownloadWithDefaults(t *testing.T) {
	dir := t.TempDir()
	data := make([]byte, 9<<20+123)
	rand.Read(data)
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "Caddyfile"), ":0\nroot "+dir+"\n")
	r := startRunner(t, filepath.Join(dir, "Caddyfile"), dir)
	code, body := get(t, "http://"+r.addrs()[":0"]+"/big.bin")
	if code != 200 || body != string(data) {
		t.Fatalf("download: %d, %d bytes of %d, equal %v", code, len(body), len(data), body == string(data))
	}
}
