package fcgi

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/testfpm"
	"github.com/httpmw/httpmw/internal/testhttp"
)

// TestLargeParams is issue 17 item 4: more than 64 KiB of CGI variables
// reach PHP whole, and a single variable too large for a FastCGI record is
// 431 without contacting php-fpm.
func TestLargeParams(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	s := newSite(t, fpm, Config{})

	req := testhttp.NewRequest(t, "GET", s.srv.URL+"/env.php")
	want := map[string]string{}
	for i := range 10 {
		v := strings.Repeat(string(rune('a'+i)), 7000)
		req.Header.Set(fmt.Sprintf("X-Big-%d", i), v)
		want[fmt.Sprintf("HTTP_X_BIG_%d", i)] = v
	}
	res, body := testhttp.Do(t, http.DefaultClient.Do, req)
	if res.StatusCode != 200 {
		t.Fatalf("ten 7 KB headers: %d %.200q, want 200", res.StatusCode, body)
	}
	env := serverVars(t, body)
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s: got %d bytes, want %d", k, len(fmt.Sprint(env[k])), len(v))
		}
	}

	req = testhttp.NewRequest(t, "GET", s.srv.URL+"/env.php", "Cookie", "a="+strings.Repeat("c", 70000))
	if res, body := testhttp.Do(t, http.DefaultClient.Do, req); res.StatusCode != 431 || body != "431 Request Header Fields Too Large\n" {
		t.Errorf("70 KB Cookie: %d %.200q, want 431", res.StatusCode, body)
	}
	if res, body := get(t, nil, s.srv.URL+"/hello.php"); res.StatusCode != 200 || body != "Hello World\n" {
		t.Errorf("after: %d %q", res.StatusCode, body)
	}
}

// TestClientFaultsKeepEndpoints: requests that fail by their own fault (a
// header too large, a malformed body, a body that stalls or is cut) leave
// both endpoints in rotation.
func TestClientFaultsKeepEndpoints(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{Children: 2})
	writeScripts(fpm)
	h, err := New(Config{Root: fpm.Root, Endpoints: []string{fpm.Addr, "unix:" + fpm.Sock}, BodyTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	wt := newWatched(t, h)
	addr := wt.srv.Listener.Addr().String()

	for range 2 {
		req := testhttp.NewRequest(t, "GET", wt.srv.URL+"/env.php", "Cookie", "a="+strings.Repeat("c", 70000))
		if res, _ := testhttp.Do(t, http.DefaultClient.Do, req); res.StatusCode != 431 {
			t.Errorf("70 KB Cookie: %d, want 431", res.StatusCode)
		}
		// Malformed chunked framing: 400.
		c := rawRequest(t, addr, "POST /input.php HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcdeXX")
		if line := statusLine(t, c); !strings.HasPrefix(line, "HTTP/1.1 400 ") {
			t.Errorf("malformed chunked body: %q, want 400", line)
		}
		// A body that stalls: 408.
		c = startUpload(t, addr, "/input.php", 1000)
		if line := statusLine(t, c); !strings.HasPrefix(line, "HTTP/1.1 408 ") {
			t.Errorf("stalled body: %q, want 408", line)
		}
		// A body cut by the client leaving.
		c = startUpload(t, addr, "/input.php", 100000)
		c.Write(make([]byte, 50000))
		c.Close()
	}
	testhttp.WaitFor(t, func() bool { return wt.active.Load() == 0 })

	seen := map[string]int{}
	for range 10 {
		res, body := get(t, nil, wt.srv.URL+"/pool.php")
		if res.StatusCode != 200 {
			t.Fatalf("status %d", res.StatusCode)
		}
		seen[body]++
	}
	if seen["tcp"] != 5 || seen["unix"] != 5 {
		t.Errorf("after client faults, round robin served %v, want 5 each: an endpoint left rotation", seen)
	}
}

func rawRequest(t *testing.T, addr, head string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Write([]byte(head)); err != nil {
		t.Fatal(err)
	}
	return c
}

// statusLine reads the first line of the response on c.
func statusLine(t *testing.T, c net.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	var b []byte
	one := make([]byte, 1)
	for {
		n, err := c.Read(one)
		if n == 1 {
			b = append(b, one[0])
			if one[0] == '\n' {
				return string(b)
			}
		}
		if err != nil {
			return string(b) + " (" + err.Error() + ")"
		}
	}
}
