package browse

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/httpmw/httpmw/internal/testhttp"
)

// TestSymlinkToHiddenName links to hidden names from visible ones
// (gitlink -> .git, envlink -> .env, a folder link into a Hide pattern, a
// precompressed sibling and an index page that are links to .env) and
// requests them over HTTP and with curl: each is a 404 that leaks nothing,
// and no listing shows the links. Links to visible names still work.
func TestSymlinkToHiddenName(t *testing.T) {
	const secret = "SECRET=hunter2"
	s := newSite(t, Config{Listing: true, Hide: []string{"/private/*"}}, func(root string) {
		writeFile(t, root, ".env", secret)
		writeFile(t, root, ".git/config", "[core] "+secret)
		writeFile(t, root, "private/key.txt", secret)
		writeFile(t, root, "private/sub/deep.txt", secret)
		writeFile(t, root, "app.js", "console.log(1)")
		writeFile(t, root, "pub/plain.txt", "plain")
		writeFile(t, root, "home/readme.txt", "readme")
		writeFile(t, root, ".well-known/security.txt", "contact")
		for link, target := range map[string]string{
			"gitlink":         ".git",
			"envlink":         ".env",
			"pub/envlink2":    "../.env",
			"pub/deeplink":    "../gitlink/config", // through another link
			"privlink":        "private",
			"app.js.gz":       ".env",
			"home/index.html": "../.env",
			"pub/ok.txt":      "plain.txt",
			"wk":              ".well-known",
		} {
			if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
				t.Fatal(err)
			}
		}
	})
	for _, p := range []string{"/gitlink/config", "/gitlink/", "/gitlink", "/envlink", "/pub/envlink2",
		"/pub/deeplink", "/privlink/key.txt", "/privlink/sub/deep.txt", "/privlink/sub/"} {
		res, body := s.get(t, "GET", p)
		if res.StatusCode != 404 || strings.Contains(body, "hunter2") {
			t.Errorf("%s: %d %q, want 404", p, res.StatusCode, body)
		}
		if out := curlStatus(t, s.srv.URL+p); out != "404" {
			t.Errorf("curl %s: %s", p, out)
		}
	}
	// The link's folder lists its entries only where they are visible:
	// "/privlink/" resolves to "/private", whose entries are all hidden.
	if res, body := s.get(t, "GET", "/privlink/", "Accept", "text/plain"); res.StatusCode != 200 || body != "" {
		t.Errorf("/privlink/: %d %q, want an empty listing", res.StatusCode, body)
	}
	// A precompressed sibling that is a link to .env is not served.
	if res, body := s.get(t, "GET", "/app.js", "Accept-Encoding", "gzip"); res.StatusCode != 200 || body != "console.log(1)" || res.Header.Get("Content-Encoding") != "" {
		t.Errorf("app.js with a hidden .gz link: %d %q %q", res.StatusCode, res.Header.Get("Content-Encoding"), body)
	}
	// An index page that is a link to .env is no index page: the folder
	// is listed, without it.
	if res, body := s.get(t, "GET", "/home/", "Accept", "text/plain"); res.StatusCode != 200 || body != "readme.txt\n" {
		t.Errorf("/home/: %d %q", res.StatusCode, body)
	}
	for _, p := range []string{"/", "/pub/"} {
		for _, accept := range []string{"text/plain", "application/json", "text/html"} {
			res, body := s.get(t, "GET", p, "Accept", accept)
			for _, leak := range []string{"gitlink", "envlink", "deeplink", "hunter2", "app.js.gz"} {
				if strings.Contains(body, leak) {
					t.Errorf("%s as %s: %d lists %q", p, accept, res.StatusCode, leak)
				}
			}
		}
	}
	if _, body := s.get(t, "GET", "/", "Accept", "text/plain"); body != ".well-known/\nhome/\nprivate/\nprivlink/\npub/\nwk/\napp.js\n" {
		t.Errorf("/ lists %q", body)
	}
	if _, body := s.get(t, "GET", "/pub/ok.txt"); body != "plain" {
		t.Errorf("link to a visible file: %q", body)
	}
	if _, body := s.get(t, "GET", "/wk/security.txt"); body != "contact" {
		t.Errorf("link to .well-known: %q", body)
	}
}

// curlStatus fetches url with curl and returns the status code it saw.
func curlStatus(t *testing.T, url string) string {
	t.Helper()
	return strings.TrimSpace(testhttp.Curl(t, "-o", "/dev/null", "-w", "%{http_code}", url))
}
