package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/httpmw/httpmw/examples/internal/devsite"
	"github.com/httpmw/httpmw/internal/testhttp"
)

func serve(t *testing.T, root string) (*httptest.Server, *testhttp.Buffer) {
	t.Helper()
	var log testhttp.Buffer
	h, access, err := devsite.New(root, &log, welcomePage)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		srv.Close()
		access.Close()
	})
	return srv, &log
}

func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	// No transparent gzip: the tests check the coding.
	return testhttp.Do(t, http.DefaultTransport.RoundTrip, testhttp.NewRequest(t, "GET", url, header...))
}

func TestWelcomeInAnEmptyFolderThenTheSite(t *testing.T) {
	dir := t.TempDir()
	srv, log := serve(t, dir)

	res, body := get(t, srv.URL+"/")
	if res.StatusCode != 200 || !strings.Contains(body, "It works") || !strings.Contains(body, dir) {
		t.Fatalf("empty folder: %d %q, want the welcome page naming the folder", res.StatusCode, body)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, body = get(t, srv.URL+"/", "Accept", "text/plain")
	if res.StatusCode != 200 || !strings.Contains(body, "notes.txt") {
		t.Fatalf("folder with a file: %d %q, want a listing", res.StatusCode, body)
	}
	page := "<h1>mine</h1>" + strings.Repeat("<p>some text to compress</p>", 100)
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	res, body = get(t, srv.URL+"/")
	if res.StatusCode != 200 || body != page {
		t.Fatalf("after adding index.html: %d %q", res.StatusCode, body)
	}
	res, body = get(t, srv.URL+"/", "Accept-Encoding", "gzip")
	if res.Header.Get("Content-Encoding") != "gzip" || len(body) >= len(page) {
		t.Fatalf("gzip not applied: %v, %d bytes", res.Header, len(body))
	}
	if n := strings.Count(log.String(), "\"GET / HTTP/1.1\" 200"); n != 4 {
		t.Fatalf("access log has %d lines for GET /, want 4:\n%s", n, log.String())
	}
}

func TestFilesAreConfined(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "site")
	os.Mkdir(dir, 0o755)
	os.WriteFile(filepath.Join(parent, "secret.txt"), []byte("outside"), 0o644)
	os.WriteFile(filepath.Join(dir, ".env"), []byte("TOKEN=x"), 0o644)
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("inside"), 0o644)
	if err := os.Symlink(filepath.Join(parent, "secret.txt"), filepath.Join(dir, "escape.txt")); err != nil {
		t.Fatal(err)
	}
	srv, _ := serve(t, dir)

	if res, body := get(t, srv.URL+"/a.txt"); res.StatusCode != 200 || body != "inside" {
		t.Fatalf("a.txt: %d %q", res.StatusCode, body)
	}
	for _, p := range []string{"/.env", "/escape.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt"} {
		res, body := get(t, srv.URL+p)
		if res.StatusCode < 400 || res.StatusCode >= 500 || strings.Contains(body, "outside") || strings.Contains(body, "TOKEN") || strings.Contains(body, parent) {
			t.Errorf("%s: %d %q, want a 4xx that leaks nothing", p, res.StatusCode, body)
		}
	}
	if _, body := get(t, srv.URL+"/", "Accept", "text/plain"); strings.Contains(body, ".env") {
		t.Errorf("listing shows a dotfile: %q", body)
	}
}
