package caddyfile

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/testfpm"
)

// TestProxyOptionsServe checks what the proxy options do to real requests.
func TestProxyOptionsServe(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"api/static/f.txt": "static file"})
	echo := func(name string, healthy bool) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/health" {
				if !healthy {
					w.WriteHeader(http.StatusServiceUnavailable)
				}
				return
			}
			w.Header().Set("X-Upstream-Secret", "internal")
			fmt.Fprintf(w, "%s host=%s custom=%s path=%s", name, r.Host, r.Header.Get("X-Custom"), r.URL.Path)
		}))
		t.Cleanup(s.Close)
		return s
	}
	up1, up2 := echo("up1", true), echo("up2", false)
	a1, a2 := up1.Listener.Addr().String(), up2.Listener.Addr().String()
	_, urls := serve(t, `
site.example:0 {
	root {$ROOT}
	proxy /api {$UP1} {$UP2} {
		policy round_robin
		health_check /health 1h
		header_upstream X-Custom "{host}"
		header_downstream -X-Upstream-Secret
		without /api
		except /api/static
	}
	proxy /t {$UP1} {
		transparent
	}
}
`, map[string]string{"ROOT": root, "UP1": a1, "UP2": a2})

	// The first round of health checks starts with the Config and takes the
	// unhealthy upstream out; it reports to nobody outside, so poll.
	deadline := time.Now().Add(10 * time.Second)
	for {
		seen := map[string]bool{}
		for range 4 {
			_, body := fetch(t, urls[0]+"/api/users", "site.example")
			seen[strings.Fields(body)[0]] = true
		}
		if !seen["up2"] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the upstream failing its health check stayed in rotation")
		}
		time.Sleep(10 * time.Millisecond)
	}
	res, body := fetch(t, urls[0]+"/api/users", "site.example")
	want := fmt.Sprintf("up1 host=%s custom=site.example path=/users", a1)
	if body != want || res.Header.Get("X-Upstream-Secret") != "" {
		t.Errorf("proxy /api: %q %v, want %q without X-Upstream-Secret", body, res.Header, want)
	}
	if _, body := fetch(t, urls[0]+"/api/static/f.txt", "site.example"); body != "static file" {
		t.Errorf("except: %q", body)
	}
	if _, body := fetch(t, urls[0]+"/t/x", "site.example"); !strings.HasPrefix(body, "up1 host=site.example ") {
		t.Errorf("transparent: %q", body)
	}
}

// TestGzipOptionsServe checks ext and not on real responses.
func TestGzipOptionsServe(t *testing.T) {
	root := t.TempDir()
	text := strings.Repeat("compress me please ", 100)
	writeFiles(t, root, map[string]string{"a.html": text, "a.txt": text, "raw/a.html": text})
	_, urls := serve(t, ":0 {\n root {$ROOT}\n gzip {\n  ext .html\n  not /raw\n  level 1\n }\n}\n", map[string]string{"ROOT": root})
	for path, want := range map[string]string{"/a.html": "gzip", "/a.txt": "", "/raw/a.html": ""} {
		res, _ := fetch(t, urls[0]+path, "", "Accept-Encoding", "gzip")
		if got := res.Header.Get("Content-Encoding"); got != want {
			t.Errorf("%s: Content-Encoding %q, want %q", path, got, want)
		}
	}
}

// TestFastCGIOptionsServe checks env, except and index against php-fpm.
func TestFastCGIOptionsServe(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"main.php":       `<?php echo "main ", getenv("APP_ENV") ?: ($_SERVER["APP_ENV"] ?? "none");`,
		"static/raw.php": `<?php echo "must not run";`,
		"sub/main.php":   `<?php echo "sub index";`,
		"sub/page.html":  "plain",
	})
	fpm := testfpm.Start(t, testfpm.Options{}).Addr
	_, urls := serve(t, `:0 {
	root {$ROOT}
	fastcgi / {$FPM} php {
		index main.php
		env APP_ENV production
		except /static
	}
}`, map[string]string{"ROOT": root, "FPM": fpm})
	if _, body := fetch(t, urls[0]+"/main.php", ""); body != "main production" {
		t.Errorf("env: %q", body)
	}
	if _, body := fetch(t, urls[0]+"/sub/", ""); body != "sub index" {
		t.Errorf("index: %q", body)
	}
	if _, body := fetch(t, urls[0]+"/static/raw.php", ""); body != `<?php echo "must not run";` {
		t.Errorf("except: %q", body)
	}
	if _, body := fetch(t, urls[0]+"/sub/page.html", ""); body != "plain" {
		t.Errorf("static file beside php: %q", body)
	}
}

// TestBrowseTemplateServe checks that "browse path template" renders the
// listing with the user's template, and only under path.
func TestBrowseTemplateServe(t *testing.T) {
	root, tpls := t.TempDir(), t.TempDir()
	writeFiles(t, root, map[string]string{"pub/b.txt": "b", "pub/a.txt": "a", "priv/c.txt": "c"})
	writeFiles(t, tpls, map[string]string{"list.html": `<title>{{.Path}}</title>{{range .Items}}[{{.Name}} {{.Size}}]{{end}}`})
	_, urls := serve(t, ":0 {\n root {$ROOT}\n browse /pub {$TPL}\n}\n", map[string]string{"ROOT": root, "TPL": tpls + "/list.html"})
	if res, body := fetch(t, urls[0]+"/pub/", ""); res.StatusCode != 200 || body != "<title>/pub/</title>[a.txt 1][b.txt 1]" {
		t.Errorf("template listing: %d %q", res.StatusCode, body)
	}
	if res, _ := fetch(t, urls[0]+"/priv/", ""); res.StatusCode != 404 {
		t.Errorf("listing outside the browse path: %d", res.StatusCode)
	}
}
