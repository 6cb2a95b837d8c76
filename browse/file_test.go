package browse

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFileServedWithTypeAndValidators(t *testing.T) {
	s := newSite(t, Config{}, func(root string) {
		writeFile(t, root, "css/site.css", "body { color: red }")
		writeFile(t, root, "notes", "<html><body>sniffed</body></html>")
	})
	res, body := s.get(t, "GET", "/css/site.css")
	if res.StatusCode != 200 || body != "body { color: red }" {
		t.Fatalf("GET: %d %q", res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/css; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	etag, lm := res.Header.Get("Etag"), res.Header.Get("Last-Modified")
	if etag == "" || lm == "" || res.Header.Get("Accept-Ranges") != "bytes" {
		t.Fatalf("validators missing: %v", res.Header)
	}
	if res, _ := s.get(t, "GET", "/notes"); !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("sniffed type %q", res.Header.Get("Content-Type"))
	}

	if res, body := s.get(t, "GET", "/css/site.css", "If-None-Match", etag); res.StatusCode != 304 || body != "" {
		t.Errorf("If-None-Match: %d %q", res.StatusCode, body)
	}
	if res, _ := s.get(t, "GET", "/css/site.css", "If-Modified-Since", lm); res.StatusCode != 304 {
		t.Errorf("If-Modified-Since: %d", res.StatusCode)
	}
	old := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	if res, _ := s.get(t, "GET", "/css/site.css", "If-Modified-Since", old); res.StatusCode != 200 {
		t.Errorf("If-Modified-Since an hour ago: %d", res.StatusCode)
	}
	if res, body := s.get(t, "HEAD", "/css/site.css"); res.StatusCode != 200 || body != "" || res.ContentLength != 19 {
		t.Errorf("HEAD: %d %q length %d", res.StatusCode, body, res.ContentLength)
	}
}

func TestRanges(t *testing.T) {
	s := newSite(t, Config{}, func(root string) { writeFile(t, root, "digits.txt", "0123456789") })
	res, body := s.get(t, "GET", "/digits.txt", "Range", "bytes=2-4")
	if res.StatusCode != 206 || body != "234" || res.Header.Get("Content-Range") != "bytes 2-4/10" {
		t.Fatalf("Range: %d %q %q", res.StatusCode, body, res.Header.Get("Content-Range"))
	}
	if res, body = s.get(t, "GET", "/digits.txt", "Range", "bytes=-3"); res.StatusCode != 206 || body != "789" {
		t.Errorf("suffix range: %d %q", res.StatusCode, body)
	}
	if res, _ = s.get(t, "GET", "/digits.txt", "Range", "bytes=20-30"); res.StatusCode != 416 {
		t.Errorf("unsatisfiable range: %d", res.StatusCode)
	}
	if res, body = s.get(t, "GET", "/digits.txt", "Range", "bytes=0-0", "If-Range", `"stale"`); res.StatusCode != 200 || body != "0123456789" {
		t.Errorf("If-Range with a stale ETag: %d %q, want the whole file", res.StatusCode, body)
	}
	res, _ = s.get(t, "GET", "/digits.txt")
	if res, body = s.get(t, "GET", "/digits.txt", "Range", "bytes=9-", "If-Range", res.Header.Get("Etag")); res.StatusCode != 206 || body != "9" {
		t.Errorf("If-Range with the current ETag: %d %q", res.StatusCode, body)
	}
}

func TestPrecompressedSiblings(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	io.WriteString(zw, "console.log('hi')")
	zw.Close()
	s := newSite(t, Config{}, func(root string) {
		writeFile(t, root, "app.js", "console.log('hi')")
		writeFile(t, root, "app.js.gz", gz.String())
		writeFile(t, root, "app.js.br", "brotli bytes")
		writeFile(t, root, "plain.js", "no siblings")
	})
	cases := []struct {
		accept, coding, body string
	}{
		{"", "", "console.log('hi')"},
		{"gzip", "gzip", gz.String()},
		{"gzip, deflate, br, zstd", "br", "brotli bytes"}, // zstd missing: br is next
		{"br;q=0.5, gzip", "gzip", gz.String()},
		{"br;q=0, gzip;q=0", "", "console.log('hi')"},
		{"*", "br", "brotli bytes"},
		{"identity", "", "console.log('hi')"},
	}
	for _, c := range cases {
		res, body := s.get(t, "GET", "/app.js", "Accept-Encoding", c.accept)
		if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != c.coding || body != c.body {
			t.Errorf("Accept-Encoding %q: %d encoding %q body %q", c.accept, res.StatusCode, res.Header.Get("Content-Encoding"), body)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
			t.Errorf("Accept-Encoding %q: Content-Type %q, want the original's", c.accept, ct)
		}
		if !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("Accept-Encoding %q: no Vary", c.accept)
		}
	}
	// Real clients decode it: Go's transport with compression on.
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Get(s.srv.URL + "/app.js")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "console.log('hi')" || !res.Uncompressed {
		t.Errorf("decoded by net/http: %q uncompressed=%v", b, res.Uncompressed)
	}
	// Distinct validators per encoding.
	r1, _ := s.get(t, "GET", "/app.js", "Accept-Encoding", "gzip")
	r2, _ := s.get(t, "GET", "/app.js")
	if r1.Header.Get("Etag") == r2.Header.Get("Etag") {
		t.Errorf("gzip and identity share the ETag %s", r1.Header.Get("Etag"))
	}

	off := newSite(t, Config{DisablePrecompressed: true}, func(root string) {
		writeFile(t, root, "app.js", "console.log('hi')")
		writeFile(t, root, "app.js.gz", gz.String())
	})
	if res, body := off.get(t, "GET", "/app.js", "Accept-Encoding", "gzip"); res.Header.Get("Content-Encoding") != "" || body != "console.log('hi')" {
		t.Errorf("DisablePrecompressed: encoding %q", res.Header.Get("Content-Encoding"))
	}
}

func TestIndexPagesAndRedirects(t *testing.T) {
	s := newSite(t, Config{}, func(root string) {
		writeFile(t, root, "index.html", "home")
		writeFile(t, root, "blog/default.htm", "blog")
		writeFile(t, root, "blog/post.txt", "post")
		writeFile(t, root, "empty/.keep", "")
	})
	for _, c := range []struct{ path, want string }{{"/", "home"}, {"/blog/", "blog"}} {
		if res, body := s.get(t, "GET", c.path); res.StatusCode != 200 || body != c.want || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d %q", c.path, res.StatusCode, body)
		}
	}
	for _, c := range []struct{ path, location string }{
		{"/blog", "blog/"},
		{"/blog?x=1", "blog/?x=1"},
		{"/blog/post.txt/", "../post.txt"},
		{"/index.html", "./"},
		{"/blog/default.htm", "./"},
	} {
		res, _ := s.get(t, "GET", c.path)
		if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != c.location {
			t.Errorf("%s: %d Location %q, want 301 %q", c.path, res.StatusCode, res.Header.Get("Location"), c.location)
		}
	}
	// Listings are off by default: a folder without an index is a 404.
	if res, _ := s.get(t, "GET", "/empty/"); res.StatusCode != 404 {
		t.Errorf("folder without index, listing off: %d", res.StatusCode)
	}
	if res, _ := s.get(t, "POST", "/"); res.StatusCode != 405 || res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d Allow %q", res.StatusCode, res.Header.Get("Allow"))
	}
}

func TestNamedPipeDoesNotHang(t *testing.T) {
	s := newSite(t, Config{Listing: true}, func(root string) {
		if err := mkfifo(filepath.Join(root, "pipe")); err != nil {
			t.Skip("no named pipes here:", err)
		}
	})
	if res, _ := s.get(t, "GET", "/pipe"); res.StatusCode != 404 {
		t.Errorf("named pipe: %d, want 404", res.StatusCode)
	}
	if _, body := s.get(t, "GET", "/", "Accept", "text/plain"); body != "" {
		t.Errorf("named pipe listed: %q", body)
	}
}

func TestNewValidates(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "f", "x")
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{Root: filepath.Join(dir, "missing")}, "browse: Config.Root: "},
		{Config{Root: filepath.Join(dir, "f")}, "browse: Config.Root: "},
		{Config{Root: dir, IndexNames: []string{"a/b"}}, "browse: Config.IndexNames[0]: "},
		{Config{Root: dir, Hide: []string{"ok", "[x"}}, "browse: Config.Hide[1]: "},
		{Config{Root: dir, ListingPaths: []string{"docs"}}, "browse: Config.ListingPaths[0]: "},
	}
	for _, c := range cases {
		_, err := New(c.cfg)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q...", c.cfg, err, c.want)
		}
	}
	s, err := New(Config{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}
