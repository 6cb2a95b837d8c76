package fcgi

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yookoala/gofast"

	"github.com/httpmw/httpmw/internal/testfpm"
)

// TestFixPathinfoUploads: with cgi.fix_pathinfo=1 and a lax
// security.limit_extensions, php-fpm runs /uploads/evil.jpg when asked for
// the missing /uploads/evil.jpg/x.php. The control case proves it on this
// php-fpm; the handler must never let it happen.
func TestFixPathinfoUploads(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)

	t.Run("control: php-fpm itself would run the upload", func(t *testing.T) {
		c, err := gofast.SimpleClientFactory(gofast.SimpleConnFactory("tcp", fpm.Addr))()
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		req := gofast.NewRequest(nil)
		req.Params["REQUEST_METHOD"] = "GET"
		req.Params["SCRIPT_FILENAME"] = filepath.Join(fpm.Root, "uploads/evil.jpg/x.php")
		req.Params["SCRIPT_NAME"] = "/uploads/evil.jpg/x.php"
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		if err := resp.WriteTo(w, &strings.Builder{}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(w.Body.String(), "PWNED") {
			t.Skipf("this php-fpm does not walk back the path (body %q); the cases below still must hold", w.Body.String())
		}
	})

	s := newSite(t, fpm, Config{})
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/uploads/evil.jpg/x.php", 404, ""},          // script missing: 404, php-fpm not asked
		{"/uploads/evil.jpg/x.php/more", 404, ""},     // same with PATH_INFO
		{"/uploads/evil.jpg/", 200, "next handler\n"}, // not a directory, no split: not ours
		{"/uploads/evil.jpg", 200, "next handler\n"},  // static file: next serves it
		{"/uploads/evil.jpg%2fx.php", 404, ""},        // encoded slash decodes to the first case
		{"/uploads/../uploads/evil.jpg/x.php", 404, ""},
		{"/uploads/evil.jpg/.php", 404, ""},
	} {
		res, body := get(t, nil, s.srv.URL+tc.path)
		if strings.Contains(body, "PWNED") {
			t.Fatalf("%s ran the upload: %q", tc.path, body)
		}
		if res.StatusCode != tc.status || (tc.body != "" && body != tc.body) {
			t.Errorf("%s: %d %q, want %d %q", tc.path, res.StatusCode, body, tc.status, tc.body)
		}
		if strings.Contains(body, fpm.Root) || strings.Contains(body, fpm.Addr) {
			t.Errorf("%s: error body leaks a path or address: %q", tc.path, body)
		}
	}
}

// TestSplitOnByteOffsets: multi-byte characters before the split and
// mixed-case extensions cut the path where the bytes say.
func TestSplitOnByteOffsets(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	s := newSite(t, fpm, Config{})

	// "İ" lower-cases to three bytes under Unicode rules: a split found on
	// strings.ToLower(path) would cut this path two bytes too far.
	res, body := get(t, nil, s.srv.URL+"/İİ/s.php/İnfo")
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	env := serverVars(t, body)
	for k, v := range map[string]string{
		"SCRIPT_NAME":     "/İİ/s.php",
		"PATH_INFO":       "/İnfo",
		"SCRIPT_FILENAME": filepath.Join(fpm.Root, "İİ/s.php"),
	} {
		if got, _ := env[k].(string); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}

	// ASCII case folding: .pHp is a PHP script.
	if res, body := get(t, nil, s.srv.URL+"/Case.pHp"); res.StatusCode != 200 || body != "case folded\n" {
		t.Errorf("/Case.pHp: %d %q", res.StatusCode, body)
	}
	// The Kelvin sign folds to 'k' and U+0130 to 'i' under Unicode rules,
	// never under ASCII ones: no script named like this is found by them.
	for _, p := range []string{"/Case.p\u0130p", "/hello.\u212Aphp"} {
		if res, body := get(t, nil, s.srv.URL+p); res.StatusCode != 200 || body != "next handler\n" {
			t.Errorf("%s: %d %q, want the next handler", p, res.StatusCode, body)
		}
	}
}

// TestHeaderSafety: httpoxy and '_'/'-' smuggling, against real PHP.
func TestHeaderSafety(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	s := newSite(t, fpm, Config{})

	// A raw request, so nothing between the test and the server
	// normalises the header names.
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "GET /env.php HTTP/1.1\r\nHost: example.test\r\n"+
		"Proxy: http://evil.example:8080\r\n"+
		"X-Real-IP: 10.0.0.1\r\n"+
		"X_Real_IP: 6.6.6.6\r\n"+
		"X-Forwarded_For: 6.6.6.6\r\n"+
		"Connection: close\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, res)
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	env := serverVars(t, body)
	if v, ok := env["HTTP_PROXY"]; ok {
		t.Errorf("HTTP_PROXY reached PHP (httpoxy): %v", v)
	}
	if got := env["HTTP_X_REAL_IP"]; got != "10.0.0.1" {
		t.Errorf("HTTP_X_REAL_IP = %v, want only the hyphenated header's 10.0.0.1", got)
	}
	if v, ok := env["HTTP_X_FORWARDED_FOR"]; ok {
		t.Errorf("HTTP_X_FORWARDED_FOR smuggled through X-Forwarded_For: %v", v)
	}
	if got := env["HTTP_HOST"]; got != "example.test" {
		t.Errorf("HTTP_HOST = %v", got)
	}
}

// TestNULBytes: a NUL would cut a C string in PHP ("/x.php\0.jpg"); such
// requests get 400 and never reach php-fpm.
func TestNULBytes(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	s := newSite(t, fpm, Config{})

	res, body := get(t, nil, s.srv.URL+"/env.php%00.jpg")
	if res.StatusCode != 400 {
		t.Errorf("NUL in path: %d %q, want 400", res.StatusCode, body)
	}
	res, body = get(t, nil, s.srv.URL+"/env.php/a%00b")
	if res.StatusCode != 400 {
		t.Errorf("NUL in PATH_INFO: %d %q, want 400", res.StatusCode, body)
	}
	// net/http refuses a NUL in a header on the wire; a handler in front
	// of ours could still add one.
	req := httptest.NewRequest("GET", "/env.php", nil)
	req.Header.Set("X-Evil", "a\x00b")
	w := httptest.NewRecorder()
	if status, err := s.h.ServeHTTP(w, req); status != 400 || err == nil || w.Body.Len() != 0 {
		t.Errorf("NUL in header: status %d, err %v, body %q; want 400, an error, nothing written", status, err, w.Body.String())
	}
}
