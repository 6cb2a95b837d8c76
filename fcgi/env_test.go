package fcgi

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/testfpm"
)

// TestEnvironment checks the CGI variables PHP sees in $_SERVER, over a
// loopback port and a unix socket.
func TestEnvironment(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	for _, ep := range []struct{ name, endpoint string }{
		{"tcp", fpm.Addr},
		{"tcp-url", "tcp://" + fpm.Addr},
		{"unix", "unix:" + fpm.Sock},
		{"socket-path", fpm.Sock},
	} {
		t.Run(ep.name, func(t *testing.T) {
			s := newSite(t, fpm, Config{Endpoints: []string{ep.endpoint}})
			req, _ := http.NewRequest("POST", s.srv.URL+"/env.php/extra/%69nfo?q=1&r=%20x", strings.NewReader("a=b"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Custom-Thing", "yes")
			req.Header.Add("Cookie", "a=1")
			req.Header.Add("Cookie", "b=2")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(t, res)
			if res.StatusCode != 200 {
				t.Fatalf("status %d: %s", res.StatusCode, body)
			}
			env := serverVars(t, body)
			_, port, _ := net.SplitHostPort(strings.TrimPrefix(s.srv.URL, "http://"))
			root := fpm.Root
			want := map[string]string{
				"SCRIPT_FILENAME":     filepath.Join(root, "env.php"),
				"SCRIPT_NAME":         "/env.php",
				"PATH_INFO":           "/extra/info",
				"PATH_TRANSLATED":     filepath.Join(root, "extra/info"),
				"DOCUMENT_ROOT":       root,
				"DOCUMENT_URI":        "/env.php/extra/info",
				"REQUEST_URI":         "/env.php/extra/%69nfo?q=1&r=%20x",
				"QUERY_STRING":        "q=1&r=%20x",
				"REQUEST_METHOD":      "POST",
				"CONTENT_TYPE":        "application/x-www-form-urlencoded",
				"CONTENT_LENGTH":      "3",
				"SERVER_NAME":         "127.0.0.1",
				"SERVER_PORT":         port,
				"SERVER_PROTOCOL":     "HTTP/1.1",
				"SERVER_SOFTWARE":     "httpmw",
				"GATEWAY_INTERFACE":   "CGI/1.1",
				"REMOTE_ADDR":         "127.0.0.1",
				"REQUEST_SCHEME":      "http",
				"HTTP_X_CUSTOM_THING": "yes",
				"HTTP_COOKIE":         "a=1; b=2",
				"HTTP_HOST":           strings.TrimPrefix(s.srv.URL, "http://"),
				"PHP_SELF":            "/env.php/extra/info",
			}
			for k, v := range want {
				if got, _ := env[k].(string); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if rp, _ := env["REMOTE_PORT"].(string); rp == "" || rp == "0" {
				t.Errorf("REMOTE_PORT = %q", rp)
			}
			for _, k := range []string{"HTTPS", "HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"} {
				if v, ok := env[k]; ok {
					t.Errorf("%s should be unset, is %q", k, v)
				}
			}
		})
	}
}

// TestEnvironmentTLS checks HTTPS=on and the https scheme under TLS, and
// that Config.Env adds and overrides variables.
func TestEnvironmentTLS(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	h, err := New(Config{Root: fpm.Root, Endpoints: []string{fpm.Addr}, Env: map[string]string{"APP_ENV": "test", "SERVER_SOFTWARE": "custom"}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	srv := httptest.NewTLSServer(httpmw.ToHTTP(h))
	defer srv.Close()
	res, body := get(t, srv.Client(), srv.URL+"/env.php")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	env := serverVars(t, body)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "https://"))
	for k, v := range map[string]string{"HTTPS": "on", "REQUEST_SCHEME": "https", "SERVER_PORT": port, "APP_ENV": "test", "SERVER_SOFTWARE": "custom", "PATH_INFO": ""} {
		if got, _ := env[k].(string); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if _, ok := env["PATH_TRANSLATED"]; ok {
		t.Errorf("PATH_TRANSLATED set without PATH_INFO: %v", env["PATH_TRANSLATED"])
	}
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestUpstreamRoot: php-fpm sees the site under another path (here a
// symlink standing in for a container mount); the CGI paths use it.
func TestUpstreamRoot(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	mount := filepath.Join(t.TempDir(), "mnt")
	if err := os.Symlink(fpm.Root, mount); err != nil {
		t.Fatal(err)
	}
	s := newSite(t, fpm, Config{UpstreamRoot: mount})
	res, body := get(t, nil, s.srv.URL+"/env.php/x")
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	env := serverVars(t, body)
	for k, v := range map[string]string{
		"DOCUMENT_ROOT":   mount,
		"SCRIPT_FILENAME": filepath.Join(mount, "env.php"),
		"PATH_TRANSLATED": filepath.Join(mount, "x"),
	} {
		if got, _ := env[k].(string); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if _, err := New(Config{Root: fpm.Root, UpstreamRoot: "relative/path"}); err == nil || !strings.HasPrefix(err.Error(), "fcgi: Config.UpstreamRoot: ") {
		t.Errorf("relative UpstreamRoot: %v", err)
	}
}
