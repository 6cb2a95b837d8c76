package browse

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rawGet sends target exactly as written on the request line, past any
// client-side cleaning, and returns the status and body.
func rawGet(t *testing.T, s *site, target string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, "GET "+target+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestConfinement(t *testing.T) {
	s := newSite(t, Config{Listing: true}, func(root string) {
		writeFile(t, root, "public.txt", "public")
		writeFile(t, root, "sub/inner.txt", "inner")
		parent := filepath.Dir(root)
		for link, target := range map[string]string{
			"escape.txt": filepath.Join(parent, "secret.txt"), // absolute, outside
			"up.txt":     "../secret.txt",                     // relative, outside
			"updir":      "..",                                // a folder outside
			"loop":       "loop",                              // to itself
			"inside.txt": "public.txt",                        // fine
			"sub/back":   "../public.txt",                     // fine: stays inside
		} {
			if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
				t.Fatal(err)
			}
		}
	})
	leaks := []string{"outside the root", s.parent, s.root, "/tmp", "goroutine", "site"}

	cases := []struct {
		target string
		want   int
	}{
		{"/../secret.txt", 400},
		{"/sub/../../secret.txt", 400},
		{"/%2e%2e/secret.txt", 400},
		{"/%2E%2E/secret.txt", 400},
		{"/..%2fsecret.txt", 400},
		{"/sub/..%2f..%2fsecret.txt", 400},
		{"/..%5csecret.txt", 400},
		{"/sub%5c..%5c..%5csecret.txt", 400},
		{"/public.txt%00.html", 400},
		{"/%00", 400},
		{"/" + strings.Repeat("a/", 2100), 400}, // longer than PATH_MAX
		{"/" + strings.Repeat("x", 300), 404},   // longer than NAME_MAX
		{"/escape.txt", 404},
		{"/up.txt", 404},
		{"/updir/secret.txt", 404},
		{"/updir/", 404},
		{"/loop", 404},
		{"/public.txt/x", 404}, // a file used as a folder
		{"/missing", 404},
		{"//public.txt", 200},
		{"/./public.txt", 200},
		{"/inside.txt", 200},
		{"/sub/back", 200},
	}
	for _, c := range cases {
		code, body := rawGet(t, s, c.target)
		if code != c.want {
			t.Errorf("%.60s: %d, want %d", c.target, code, c.want)
		}
		if code < 300 {
			continue
		}
		for _, leak := range leaks {
			if strings.Contains(body, leak) {
				t.Errorf("%.60s: body %q reveals %q", c.target, body, leak)
			}
		}
	}

	// The listing leaves out symlinks that lead outside or nowhere, and
	// keeps those that stay inside.
	_, body := s.get(t, "GET", "/", "Accept", "text/plain")
	if body != "sub/\ninside.txt\npublic.txt\n" {
		t.Errorf("listing:\n%s", body)
	}
}

func TestHiding(t *testing.T) {
	fill := func(root string) {
		writeFile(t, root, ".env", "TOKEN=x")
		writeFile(t, root, ".git/config", "[core]")
		writeFile(t, root, ".well-known/security.txt", "Contact: x")
		writeFile(t, root, "app/.secret/key", "k")
		writeFile(t, root, "notes.bak", "old")
		writeFile(t, root, "private/plan.txt", "plan")
		writeFile(t, root, "public/private/ok.txt", "ok")
		writeFile(t, root, "node_modules/x/index.js", "js")
		writeFile(t, root, "index.txt", "visible")
	}
	s := newSite(t, Config{Listing: true, Hide: []string{"*.bak", "node_modules", "/private"}}, fill)
	for _, p := range []string{"/.env", "/.git/config", "/.git/", "/app/.secret/key", "/notes.bak", "/private/plan.txt", "/private/", "/node_modules/x/index.js"} {
		if res, body := s.get(t, "GET", p); res.StatusCode != 404 {
			t.Errorf("%s: %d %q, want 404", p, res.StatusCode, body)
		}
	}
	for _, p := range []string{"/.well-known/security.txt", "/public/private/ok.txt", "/index.txt"} {
		if res, _ := s.get(t, "GET", p); res.StatusCode != 200 {
			t.Errorf("%s: %d, want 200", p, res.StatusCode)
		}
	}
	if _, body := s.get(t, "GET", "/", "Accept", "text/plain"); body != ".well-known/\napp/\npublic/\nindex.txt\n" {
		t.Errorf("listing with hidden entries:\n%s", body)
	}
	if _, body := s.get(t, "GET", "/app/", "Accept", "text/plain"); body != "" {
		t.Errorf("listing of /app/: %q", body)
	}

	shown := newSite(t, Config{Listing: true, ShowDotfiles: true}, fill)
	if res, body := shown.get(t, "GET", "/.env"); res.StatusCode != 200 || body != "TOKEN=x" {
		t.Errorf("ShowDotfiles: /.env: %d", res.StatusCode)
	}
	if _, body := shown.get(t, "GET", "/", "Accept", "text/plain"); !strings.Contains(body, ".git/\n") || !strings.Contains(body, ".env\n") {
		t.Errorf("ShowDotfiles listing:\n%s", body)
	}
}
