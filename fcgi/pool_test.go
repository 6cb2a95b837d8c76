package fcgi

import (
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/testfpm"
)

// forwarder is a TCP relay between the handler and php-fpm that counts the
// connections it accepts and can break kept-alive ones on purpose.
type forwarder struct {
	ln       net.Listener
	target   string
	accepted atomic.Int64
	// dropReuse: close a connection when a second request starts on it,
	// as a php-fpm worker that exits between two requests would.
	dropReuse bool
	dropped   atomic.Int64
	closes    chan struct{} // one per connection the handler side closed
	wg        sync.WaitGroup
}

func newForwarder(t *testing.T, target string, dropReuse bool) *forwarder {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &forwarder{ln: ln, target: target, dropReuse: dropReuse, closes: make(chan struct{}, 64)}
	f.wg.Add(1)
	go f.serve()
	t.Cleanup(func() { ln.Close(); f.wg.Wait() })
	return f
}

func (f *forwarder) Addr() string { return f.ln.Addr().String() }

func (f *forwarder) serve() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.accepted.Add(1)
		up, err := net.Dial("tcp", f.target)
		if err != nil {
			c.Close()
			continue
		}
		f.wg.Add(2)
		go func() { defer f.wg.Done(); io.Copy(c, up); c.Close() }()
		go func() {
			defer f.wg.Done()
			if f.toServer(up, c) {
				select {
				case f.closes <- struct{}{}:
				default:
				}
			}
			up.Close()
			c.Close()
		}()
	}
}

// toServer relays records from the handler to php-fpm, one at a time. It
// reports whether it ended because the handler closed the connection.
func (f *forwarder) toServer(up, c net.Conn) (closedByHandler bool) {
	begins := 0
	var h [8]byte
	for {
		if _, err := io.ReadFull(c, h[:]); err != nil {
			return err == io.EOF
		}
		if h[1] == recBeginRequest {
			begins++
			if f.dropReuse && begins == 2 {
				f.dropped.Add(1)
				return false
			}
		}
		body := make([]byte, int(binary.BigEndian.Uint16(h[4:6]))+int(h[6]))
		if _, err := io.ReadFull(c, body); err != nil {
			return false
		}
		if _, err := up.Write(append(h[:], body...)); err != nil {
			return false
		}
	}
}

// TestPoolBoundAndReuse: MaxConns caps the connections under concurrency,
// and later requests reuse them.
func TestPoolBoundAndReuse(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{Children: 4})
	writeScripts(fpm)
	fw := newForwarder(t, fpm.Addr, false)
	s := newSite(t, fpm, Config{Endpoints: []string{fw.Addr()}, MaxConns: 2})

	var wg sync.WaitGroup
	var failed atomic.Int64
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				res, err := http.Get(s.srv.URL + "/hello.php")
				if err != nil {
					failed.Add(1)
					continue
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 200 || string(b) != "Hello World\n" {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Errorf("%d of 160 requests failed", n)
	}
	if n := fw.accepted.Load(); n > 2 {
		t.Errorf("%d connections opened, MaxConns is 2", n)
	}
}

// TestIdleTimeout: a kept-alive connection left idle is closed after
// IdleTimeout, which frees the php-fpm worker it held.
func TestIdleTimeout(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	fw := newForwarder(t, fpm.Addr, false)
	s := newSite(t, fpm, Config{Endpoints: []string{fw.Addr()}, IdleTimeout: 100 * time.Millisecond})
	start := time.Now()
	if res, _ := get(t, nil, s.srv.URL+"/hello.php"); res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	select {
	case <-fw.closes:
		if d := time.Since(start); d < 100*time.Millisecond {
			t.Errorf("closed after %v, before IdleTimeout", d)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the idle connection was not closed")
	}
	// The next request dials again and works.
	if res, body := get(t, nil, s.srv.URL+"/hello.php"); res.StatusCode != 200 || body != "Hello World\n" {
		t.Fatalf("after the idle close: %d %q", res.StatusCode, body)
	}
}

// TestLightLoadFreesWorkers: after a burst opened four connections, a
// steady trickle of requests rides one of them (LIFO) and the other three
// age out, returning their php-fpm workers.
func TestLightLoadFreesWorkers(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{Children: 4})
	writeScripts(fpm)
	// A barrier: each request waits until all four are running.
	barrier := filepath.Join(t.TempDir(), "barrier")
	fpm.Script("wait.php", `<?php $f = '`+barrier+`'; file_put_contents($f, "x", FILE_APPEND | LOCK_EX);
$t = microtime(true); while (filesize($f) < 4 && microtime(true) - $t < 10) { clearstatcache(); usleep(1000); } echo "ok";`)
	fw := newForwarder(t, fpm.Addr, false)
	s := newSite(t, fpm, Config{Endpoints: []string{fw.Addr()}, MaxConns: 4, IdleTimeout: time.Second})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if res, err := http.Get(s.srv.URL + "/wait.php"); err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		}()
	}
	wg.Wait()
	if n := fw.accepted.Load(); n != 4 {
		t.Fatalf("the burst opened %d connections, want 4", n)
	}
	deadline := time.After(10 * time.Second)
	for closed := 0; closed < 3; {
		select {
		case <-fw.closes:
			closed++
			continue
		case <-deadline:
			t.Fatalf("%d of 3 spare connections closed under a trickle of requests", closed)
		default:
		}
		if res, _ := get(t, nil, s.srv.URL+"/hello.php"); res.StatusCode != 200 {
			t.Fatalf("status %d", res.StatusCode)
		}
	}
	if n := fw.accepted.Load(); n != 4 {
		t.Errorf("%d connections opened in all; the trickle should have reused one", n)
	}
}

// TestDeadConnectionRetried: a kept-alive connection that dies as the next
// GET goes out is replaced, and the GET sent again, unseen by the client.
func TestDeadConnectionRetried(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	fw := newForwarder(t, fpm.Addr, true)
	s := newSite(t, fpm, Config{Endpoints: []string{fw.Addr()}, MaxConns: 1})
	for i := range 6 {
		res, body := get(t, nil, s.srv.URL+"/hello.php")
		if res.StatusCode != 200 || body != "Hello World\n" {
			t.Fatalf("request %d: %d %q", i, res.StatusCode, body)
		}
	}
	if d := fw.dropped.Load(); d < 5 {
		t.Errorf("forwarder dropped %d reused connections, want 5: the retry path did not run", d)
	}
}

// TestWorkerRecycling: php-fpm workers exit every 2 requests
// (pm.max_requests), closing their kept-alive connections; no client
// notices, whether it sends GETs or POSTs.
func TestWorkerRecycling(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{Children: 2, MaxRequests: 2})
	writeScripts(fpm)
	s := newSite(t, fpm, Config{MaxConns: 2})
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 15 {
				var res *http.Response
				var err error
				if i%2 == 0 {
					res, err = http.Get(s.srv.URL + "/hello.php")
				} else {
					res, err = http.Post(s.srv.URL+"/input.php", "text/plain", strings.NewReader("posted"))
				}
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Errorf("%d of 60 requests failed while workers recycled", n)
	}
}

// TestRestartUnderLoad: php-fpm is killed and restarted while clients keep
// asking; meanwhile they get 502 (or a cut connection for requests in
// flight at the kill), never a hang, and service resumes by itself.
func TestRestartUnderLoad(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{Children: 4})
	writeScripts(fpm)
	s := newSite(t, fpm, Config{MaxConns: 4, ReadTimeout: 5 * time.Second})

	var (
		phase    atomic.Int32 // 0 before the kill, 1 down, 2 restarted
		bad      atomic.Int64 // outcomes not allowed in their phase
		okAfter  atomic.Int64
		stop     = make(chan struct{})
		sawDown  = make(chan struct{})
		sawUp    = make(chan struct{})
		downOnce sync.Once
		upOnce   sync.Once
		wg       sync.WaitGroup
		warmedUp = make(chan struct{})
		warmOnce sync.Once
		okBefore atomic.Int64
		client   = &http.Client{Timeout: 10 * time.Second}
	)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				p := phase.Load()
				res, err := client.Get(s.srv.URL + "/hello.php")
				status := 0
				if err == nil {
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					status = res.StatusCode
				}
				switch {
				case status == 200:
					if p == 0 && okBefore.Add(1) >= 20 {
						warmOnce.Do(func() { close(warmedUp) })
					}
					if p == 2 && okAfter.Add(1) >= 50 {
						upOnce.Do(func() { close(sawUp) })
					}
				case status == 502 || err != nil:
					if p == 0 && phase.Load() == 0 {
						t.Logf("failed before the kill: %d %v", status, err)
						bad.Add(1) // nothing should fail before the kill
					}
					if status == 502 && p == 1 {
						downOnce.Do(func() { close(sawDown) })
					}
				default:
					t.Logf("status %d in phase %d", status, p)
					bad.Add(1) // a 500, a 504: never right here
				}
			}
		}()
	}
	wait := func(ch chan struct{}, what string) {
		select {
		case <-ch:
		case <-time.After(20 * time.Second):
			close(stop)
			wg.Wait()
			t.Fatalf("timed out waiting for %s", what)
		}
	}
	wait(warmedUp, "the first successes")
	phase.Store(1)
	fpm.Stop()
	wait(sawDown, "a 502 while php-fpm is down")
	fpm.Restart()
	phase.Store(2)
	wait(sawUp, "service to resume after the restart")
	close(stop)
	wg.Wait()
	if n := bad.Load(); n != 0 {
		t.Errorf("%d responses outside what each phase allows", n)
	}
}
