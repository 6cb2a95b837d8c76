package fcgi

import (
	"testing"

	"github.com/httpmw/httpmw/internal/testfpm"
	"github.com/httpmw/httpmw/internal/testhttp"
)

// TestSeveralEndpoints: requests are spread over the endpoints, and one
// that is down is skipped without the client noticing.
func TestSeveralEndpoints(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{Children: 2})
	writeScripts(fpm)

	s := newSite(t, fpm, Config{Endpoints: []string{fpm.Addr, "unix:" + fpm.Sock}})
	seen := map[string]int{}
	for range 10 {
		res, body := get(t, nil, s.srv.URL+"/pool.php")
		if res.StatusCode != 200 {
			t.Fatalf("status %d", res.StatusCode)
		}
		seen[body]++
	}
	if seen["tcp"] != 5 || seen["unix"] != 5 {
		t.Errorf("round robin over two endpoints served %v, want 5 each", seen)
	}

	down := testhttp.FreeAddr(t)
	s = newSite(t, fpm, Config{Endpoints: []string{down, fpm.Addr, down}})
	for i := range 6 {
		res, body := get(t, nil, s.srv.URL+"/pool.php")
		if res.StatusCode != 200 || body != "tcp" {
			t.Fatalf("request %d with two endpoints down: %d %q", i, res.StatusCode, body)
		}
	}
}

// TestAllEndpointsDownThenBack: when every endpoint failed and left
// rotation, a restarted php-fpm serves the next request, without waiting
// out the balancer's fail window.
func TestAllEndpointsDownThenBack(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{Children: 2})
	writeScripts(fpm)
	s := newSite(t, fpm, Config{Endpoints: []string{fpm.Addr, "unix:" + fpm.Sock}})
	if res, _ := get(t, nil, s.srv.URL+"/hello.php"); res.StatusCode != 200 {
		t.Fatalf("before: %d", res.StatusCode)
	}
	fpm.Stop()
	for range 3 {
		if res, body := get(t, nil, s.srv.URL+"/hello.php"); res.StatusCode != 502 || body != "502 Bad Gateway\n" {
			t.Fatalf("down: %d %q", res.StatusCode, body)
		}
	}
	fpm.Restart()
	if res, body := get(t, nil, s.srv.URL+"/hello.php"); res.StatusCode != 200 || body != "Hello World\n" {
		t.Fatalf("after the restart: %d %q", res.StatusCode, body)
	}
}
