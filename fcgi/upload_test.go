package fcgi

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/testfpm"
	"github.com/httpmw/httpmw/internal/testhttp"
)

const sha256Script = `<?php header('Content-Type: text/plain');
$in = file_get_contents('php://input');
echo strlen($in), ' ', hash('sha256', $in), ' ', $_SERVER['CONTENT_LENGTH'] ?? '-';`

// watched is an HTTP server in front of h that counts the requests still
// in its handler and signals the first body byte the handler reads of
// each request.
type watched struct {
	srv       *httptest.Server
	active    atomic.Int64
	firstByte chan struct{}
}

func newWatched(t *testing.T, h *Handler) *watched {
	t.Helper()
	wt := &watched{firstByte: make(chan struct{}, 64)}
	edge := httpmw.Adapter{OnError: func(r *http.Request, status int, err error) {
		t.Logf("%s %s: %d %v", r.Method, r.URL.Path, status, err)
	}}.Handler(h)
	wt.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wt.active.Add(1)
		defer wt.active.Add(-1)
		if r.Body != nil {
			r.Body = &signalBody{ReadCloser: r.Body, first: wt.firstByte}
		}
		edge.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { wt.srv.Close(); h.Close() })
	return wt
}

type signalBody struct {
	io.ReadCloser
	first chan struct{}
	once  sync.Once
}

func (b *signalBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.once.Do(func() { b.first <- struct{}{} })
	}
	return n, err
}

// startUpload opens a raw connection and sends the head of a POST whose
// body is announced as length bytes, and the first of them.
func startUpload(t *testing.T, addr, path string, length int) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\nx", path, length)
	return c
}

// TestSlowUploadsDoNotStarvePHP is the attack of issue 17 item 2: MaxConns
// uploads that drip their bodies must not hold php-fpm connections, so a
// plain GET is answered while they are still open.
func TestSlowUploadsDoNotStarvePHP(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	tmp := t.TempDir()
	h, err := New(Config{Root: fpm.Root, Endpoints: []string{fpm.Addr}, MaxConns: 5, ReadTimeout: 10 * time.Second, TempDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	wt := newWatched(t, h)
	addr := wt.srv.Listener.Addr().String()

	// Each sends more than SpoolMemory, then drips.
	var uploads []net.Conn
	for range 5 {
		c := startUpload(t, addr, "/input.php", 1000000)
		c.Write(make([]byte, 20000))
		uploads = append(uploads, c)
	}
	// Wait until the handler has begun reading every body: before the fix,
	// each of them then holds one of the five connections.
	for i := range 5 {
		select {
		case <-wt.firstByte:
		case <-time.After(30 * time.Second):
			t.Fatalf("only %d of 5 uploads began", i)
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // keep dripping, as the attacker does
		defer wg.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				for _, c := range uploads {
					c.Write([]byte("y"))
				}
			}
		}
	}()

	c := &http.Client{Timeout: 30 * time.Second}
	res, body := get(t, c, wt.srv.URL+"/hello.php")
	if res.StatusCode != 200 || body != "Hello World\n" {
		t.Errorf("GET beside 5 slow uploads: %d %q, want 200", res.StatusCode, body)
	}
	if n := wt.active.Load(); n != 5 {
		t.Errorf("%d uploads still in the handler after the GET, want 5", n)
	}
	// The uploads are spooled to files, unlinked from TempDir right after
	// they are made (a file may be seen open in the moment between).
	testhttp.WaitFor(t, func() bool {
		left, _ := os.ReadDir(tmp)
		return len(openSpools(tmp)) == 5 && len(left) == 0
	})
	close(stop)
	wg.Wait()
	for _, u := range uploads {
		u.Close()
	}
	testhttp.WaitFor(t, func() bool { return wt.active.Load() == 0 })
	checkNoSpool(t, tmp)
}

// TestSpooledBodyIntact: bodies in memory, in a temporary file, and
// chunked reach PHP byte for byte, and no spool file or descriptor is left.
func TestSpooledBodyIntact(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	fpm.Script("sha.php", sha256Script)
	tmp := t.TempDir()
	s := newSite(t, fpm, Config{SpoolMemory: 16 << 10, TempDir: tmp})
	h2 := httptest.NewUnstartedServer(s.srv.Config.Handler)
	h2.EnableHTTP2 = true
	h2.StartTLS()
	defer h2.Close()
	for _, srv := range []*httptest.Server{s.srv, h2} {
		for _, size := range []int{1, 16 << 10, 16<<10 + 1, 3 << 20} {
			data := make([]byte, size)
			rand.Read(data)
			sum := sha256.Sum256(data)
			for _, chunked := range []bool{false, true} {
				var r io.Reader = bytes.NewReader(data)
				if chunked {
					r = io.MultiReader(r) // a length the client cannot see
				}
				res, err := srv.Client().Post(srv.URL+"/sha.php", "application/octet-stream", r)
				if err != nil {
					t.Fatal(err)
				}
				body := readAll(t, res)
				if want := fmt.Sprintf("%d %x %d", size, sum, size); res.StatusCode != 200 || body != want {
					t.Errorf("%s, %d bytes (chunked %v): %d %q, want %q", res.Proto, size, chunked, res.StatusCode, body, want)
				}
			}
		}
	}
	checkNoSpool(t, tmp)
}

// TestBodyLimits: a body over MaxSpool is 413 whether its length is
// announced or not, and a body that stops coming is 408 after BodyTimeout;
// neither reaches php-fpm.
func TestBodyLimits(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	count := filepath.Join(t.TempDir(), "count")
	fpm.Script("count.php", `<?php file_put_contents('`+count+`', "x", FILE_APPEND); echo "ran";`)
	tmp := t.TempDir()
	h, err := New(Config{Root: fpm.Root, Endpoints: []string{fpm.Addr}, SpoolMemory: 1000, MaxSpool: 100 << 10, TempDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	wt := newWatched(t, h)

	for _, tc := range []struct {
		size    int
		chunked bool
		status  int
	}{
		{100 << 10, false, 200},
		{100 << 10, true, 200},
		{100<<10 + 1, false, 413},
		{100<<10 + 1, true, 413},
	} {
		var r io.Reader = bytes.NewReader(make([]byte, tc.size))
		if tc.chunked {
			r = io.MultiReader(r)
		}
		res, err := http.Post(wt.srv.URL+"/count.php", "application/octet-stream", r)
		if err != nil {
			t.Fatal(err)
		}
		if body := readAll(t, res); res.StatusCode != tc.status {
			t.Errorf("%d bytes (chunked %v): %d %q, want %d", tc.size, tc.chunked, res.StatusCode, body, tc.status)
		}
	}
	if b, _ := os.ReadFile(count); string(b) != "xx" {
		t.Errorf("the script ran %d times, want 2 (not for the bodies over MaxSpool)", len(b))
	}

	// A body that stops after one byte.
	h, err = New(Config{Root: fpm.Root, Endpoints: []string{fpm.Addr}, BodyTimeout: 300 * time.Millisecond, TempDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	wt = newWatched(t, h)
	c := startUpload(t, wt.srv.Listener.Addr().String(), "/count.php", 100)
	if line := statusLine(t, c); !strings.HasPrefix(line, "HTTP/1.1 408 ") {
		t.Errorf("stalled body: %q, want 408", line)
	}
	// The same over HTTP/2, where the deadline is the stream's.
	h2 := httptest.NewUnstartedServer(wt.srv.Config.Handler)
	h2.EnableHTTP2 = true
	h2.StartTLS()
	defer h2.Close()
	pr, pw := io.Pipe()
	defer pw.Close()
	go pw.Write([]byte("x")) // and no more
	cl := h2.Client()
	cl.Timeout = 30 * time.Second
	res, err := cl.Post(h2.URL+"/count.php", "application/octet-stream", pr)
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, res); res.ProtoMajor != 2 || res.StatusCode != 408 {
		t.Errorf("stalled body over %s: %d %q, want HTTP/2 408", res.Proto, res.StatusCode, body)
	}
	if b, _ := os.ReadFile(count); string(b) != "xx" {
		t.Errorf("the script ran for the stalled body")
	}
	testhttp.WaitFor(t, func() bool { return wt.active.Load() == 0 })
	checkNoSpool(t, tmp)
}

// checkNoSpool fails if a spool file is left in dir, or still open.
func checkNoSpool(t *testing.T, dir string) {
	t.Helper()
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("spool files left in %s: %v", dir, left)
	}
	if open := openSpools(dir); len(open) != 0 {
		t.Errorf("spool files still open: %v", open)
	}
}

// openSpools lists the files under dir that this process holds open.
func openSpools(dir string) []string {
	var open []string
	fds, _ := os.ReadDir("/proc/self/fd")
	for _, fd := range fds {
		if target, err := os.Readlink("/proc/self/fd/" + fd.Name()); err == nil && strings.HasPrefix(target, dir+"/") {
			open = append(open, target)
		}
	}
	return open
}

// TestAbortClosesSpool: when php-fpm dies in the middle of a response to a
// spooled upload, the response is aborted and the spool file closed.
func TestAbortClosesSpool(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	fpm.Script("die.php", `<?php echo strlen(file_get_contents('php://input')), "\n"; flush(); sleep(60);`)
	tmp := t.TempDir()
	aborted := make(chan error, 1)
	s := newSite(t, fpm, Config{TempDir: tmp, OnAbort: func(r *http.Request, err error) { aborted <- err }})
	res, err := http.Post(s.srv.URL+"/die.php", "application/octet-stream", bytes.NewReader(make([]byte, 100000)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	line, err := bufio.NewReader(res.Body).ReadString('\n')
	if err != nil || line != "100000\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	if n := len(openSpools(tmp)); n != 1 {
		t.Errorf("%d spool files open while the script runs, want 1", n)
	}
	fpm.Stop()
	select {
	case <-aborted:
	case <-time.After(30 * time.Second):
		t.Fatal("the response was not aborted")
	}
	if _, err := io.ReadAll(res.Body); err == nil {
		t.Error("the cut response looked complete")
	}
	testhttp.WaitFor(t, func() bool { return len(openSpools(tmp)) == 0 })
	checkNoSpool(t, tmp)
}

// A client that leaves in the middle of its body is reported as 499, by
// the rule reverseproxy shares (internal/bodyerr): no bad request, and no
// fault of php-fpm's.
func TestCutBodyIs499(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	h, err := New(Config{Root: fpm.Root, Endpoints: []string{fpm.Addr}})
	if err != nil {
		t.Fatal(err)
	}
	reported := make(chan int, 1)
	srv := httptest.NewServer(httpmw.Adapter{OnError: func(r *http.Request, status int, err error) {
		t.Logf("%d %v", status, err)
		reported <- status
	}}.Handler(h))
	t.Cleanup(func() { srv.Close(); h.Close() })

	c := startUpload(t, srv.Listener.Addr().String(), "/input.php", 100000)
	c.Write(make([]byte, 50000))
	c.(*net.TCPConn).CloseWrite()
	select {
	case status := <-reported:
		if status != StatusClientClosedRequest {
			t.Errorf("body cut by the client leaving: reported %d, want 499", status)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the cut body was never reported")
	}
}
