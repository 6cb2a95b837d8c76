package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestWelcomeUntilIndexExists(t *testing.T) {
	dir := t.TempDir()
	h, err := newSite(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	code, body := get(t, srv.URL+"/")
	if code != 200 || !strings.Contains(body, "It works") || !strings.Contains(body, dir) || !strings.Contains(body, "index.html") {
		t.Fatalf("empty folder: %d %q, want the welcome page naming the folder", code, body)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("<h1>mine</h1>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, body = get(t, srv.URL+"/"); code != 200 || body != "<h1>mine</h1>" {
		t.Fatalf("after adding index.html: %d %q", code, body)
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
	h, err := newSite(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	if code, body := get(t, srv.URL+"/a.txt"); code != 200 || body != "inside" {
		t.Fatalf("a.txt: %d %q", code, body)
	}
	for _, p := range []string{"/.env", "/escape.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt"} {
		code, body := get(t, srv.URL+p)
		if code < 400 || code >= 500 || strings.Contains(body, "outside") || strings.Contains(body, "TOKEN") || strings.Contains(body, parent) {
			t.Errorf("%s: %d %q, want a 4xx that leaks nothing", p, code, body)
		}
	}
}
