package browse

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/testhttp"
)

// TestRedirectEscapesNames requests folders and files whose names hold
// characters that end or change a URL ("?", "#", "%", " ", ":"): every
// Location escapes them, and following it (with curl, as a user would)
// lands on the folder's listing or the file.
func TestRedirectEscapesNames(t *testing.T) {
	names := []string{"q?dir", "h#dir", "p%41dir", "sp ace", "a:b"}
	s := newSite(t, Config{Listing: true}, func(root string) {
		for _, n := range names {
			writeFile(t, root, n+"/in.txt", "inside "+n)
			writeFile(t, root, n+"/"+n+".txt", "file "+n)
		}
	})
	for _, n := range names {
		esc := escapeSegment(n)
		res, _ := s.get(t, "GET", "/"+esc+"?sort=size")
		if loc := res.Header.Get("Location"); res.StatusCode != 301 || loc != esc+"/?sort=size" {
			t.Errorf("%q: %d Location %q, want %q", n, res.StatusCode, loc, esc+"/?sort=size")
		}
		res, _ = s.get(t, "GET", "/"+esc+"/"+esc+".txt/")
		if loc := res.Header.Get("Location"); res.StatusCode != 301 || loc != "../"+esc+".txt" {
			t.Errorf("%q file with slash: %d Location %q", n, res.StatusCode, loc)
		}
		if out := curl(t, s.srv.URL+"/"+esc); !strings.Contains(out, "in.txt\n") || !strings.Contains(out, n+".txt\n") {
			t.Errorf("curl -L %q: %q", n, out)
		}
		if out := curl(t, s.srv.URL+"/"+esc+"/"+esc+".txt/"); out != "file "+n {
			t.Errorf("curl -L %q file: %q", n, out)
		}
	}
}

// curl fetches url with curl, following redirects, as text/plain.
func curl(t *testing.T, url string) string {
	t.Helper()
	return testhttp.Curl(t, "-L", "--max-redirs", "3", "-H", "Accept: text/plain", url)
}

// TestRedirectUnderStripPrefix mounts the Server in chi under /files with
// http.StripPrefix, as the README shows: "/files" (stripped to "")
// redirects to "files/", never to the scheme-relative "//", and the
// listing's links work from there.
func TestRedirectUnderStripPrefix(t *testing.T) {
	s := newSite(t, Config{Listing: true}, func(root string) {
		writeFile(t, root, "a.txt", "A")
		writeFile(t, root, "sub/b.txt", "B")
	})
	srv, err := New(Config{Root: s.root, Listing: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	r := chi.NewRouter()
	r.Mount("/files", http.StripPrefix("/files", httpmw.ToHTTP(srv)))
	ts := httptest.NewServer(r)
	defer ts.Close()
	defer s.client.Transport.(*http.Transport).CloseIdleConnections()

	for _, c := range []struct{ path, loc string }{
		{"/files", "files/"},
		{"/files?x=1", "files/?x=1"},
		{"/files/sub", "sub/"},
	} {
		res, _ := s.get2(t, ts.URL+c.path)
		if loc := res.Header.Get("Location"); res.StatusCode != 301 || loc != c.loc {
			t.Errorf("%s: %d Location %q, want 301 %q", c.path, res.StatusCode, loc, c.loc)
		}
	}
	if res, body := s.get2(t, ts.URL+"/files/"); res.StatusCode != 200 || body != "sub/\na.txt\n" {
		t.Errorf("/files/: %d %q", res.StatusCode, body)
	}
	if out := curl(t, ts.URL+"/files"); out != "sub/\na.txt\n" {
		t.Errorf("curl -L /files: %q", out)
	}
	if out := curl(t, ts.URL+"/files/sub"); out != "b.txt\n" {
		t.Errorf("curl -L /files/sub: %q", out)
	}
	if out := curl(t, ts.URL+"/files/a.txt"); out != "A" {
		t.Errorf("curl /files/a.txt: %q", out)
	}
}

// get2 requests a full URL as text/plain, without following redirects.
func (s *site) get2(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/plain")
	res, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}
