package httpserve

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
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

// recordConn is a net.Conn whose ReadFrom records what it was given.
type recordConn struct {
	net.Conn
	got []io.Reader
	n   int64
}

func (c *recordConn) SetWriteDeadline(time.Time) error { return nil }

func (c *recordConn) ReadFrom(r io.Reader) (int64, error) {
	c.got = append(c.got, r)
	n, err := io.Copy(io.Discard, r)
	c.n += n
	return n, err
}

// TestReadFromKeepsSendfile: what http.ServeContent hands over (a
// LimitedReader of a file) reaches the TCP connection as a LimitedReader
// of the file itself, the form net.TCPConn sends with sendfile(2), in
// Progress pieces, and no byte past the limit is sent.
func TestReadFromKeepsSendfile(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "big")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write(make([]byte, 3*Progress+100))
	f.Seek(0, io.SeekStart)
	rc := &recordConn{}
	c := &conn{Conn: rc, timeout: time.Second}
	limit := int64(2*Progress + 10)
	lr := &io.LimitedReader{R: f, N: limit}
	n, err := c.ReadFrom(lr)
	if err != nil || n != limit || rc.n != limit || lr.N != 0 {
		t.Fatalf("sent %d (conn got %d), err %v, left %d; want %d", n, rc.n, err, lr.N, limit)
	}
	if len(rc.got) != 3 {
		t.Fatalf("%d pieces, want 3", len(rc.got))
	}
	for i, r := range rc.got {
		if l, ok := r.(*io.LimitedReader); !ok || l.R != io.Reader(f) {
			t.Fatalf("piece %d: %T, not a LimitedReader of the file", i, r)
		}
	}
}

// TestHijackedConnKeepsWorking: a handler that takes over the connection
// (a websocket through the proxy) reads and writes through the wrapped
// connection, and its writes still carry a deadline.
func TestHijackedConnKeepsWorking(t *testing.T) {
	url := serve(t, Limits{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		if _, ok := c.(*conn); !ok {
			t.Errorf("hijacked %T, not the deadline conn", c)
		}
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		line, _ := brw.ReadString('\n')
		io.WriteString(c, "echo "+line)
	}))
	c, err := net.Dial("tcp", url[len("http://"):])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != 101 {
		t.Fatalf("%v %v", res, err)
	}
	io.WriteString(c, "hello\n")
	if got, _ := br.ReadString('\n'); got != "echo hello\n" {
		t.Fatalf("%q", got)
	}
}
