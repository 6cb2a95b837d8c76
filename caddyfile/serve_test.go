package caddyfile

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/httpmw/httpmw/internal/testfpm"
	"github.com/httpmw/httpmw/internal/testhttp"
)

// serve loads src and serves each of its Servers on a loopback listener
// (the file's ports are ignored), returning their base URLs in order.
func serve(t *testing.T, src string, vars map[string]string) (*Instance, []string) {
	t.Helper()
	cfg, err := Load("Caddyfile", []byte(src), env(vars))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cfg.Close() }) // registered first, so it runs after the servers stopped
	var urls []string
	for _, s := range cfg.Servers {
		srv := httptest.NewServer(s.Handler)
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	return cfg, urls
}

// fetch sends a GET with the given Host and headers, without transparent
// decompression, and returns the response and its body.
func fetch(t *testing.T, url, host string, header ...string) (*http.Response, string) {
	t.Helper()
	req := testhttp.NewRequest(t, "GET", url, header...)
	if host != "" {
		req.Host = host
	}
	return testhttp.Do(t, http.DefaultTransport.RoundTrip, req)
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestHostRouting(t *testing.T) {
	a, b, other := t.TempDir(), t.TempDir(), t.TempDir()
	writeFiles(t, a, map[string]string{"index.html": "site a"})
	writeFiles(t, b, map[string]string{"index.html": "site b"})
	writeFiles(t, other, map[string]string{"index.html": "any other host"})
	cfg, urls := serve(t, `
a.example:0, www.a.example:0 {
	root {$A}
}
b.example:0 {
	root {$B}
}
`, map[string]string{"A": a, "B": b})
	if len(cfg.Servers) != 1 || cfg.Servers[0].Addr != ":0" || len(cfg.Servers[0].Sites) != 3 {
		t.Fatalf("servers: %+v", cfg.Servers)
	}
	for host, want := range map[string]string{"a.example": "site a", "WWW.A.example:8080": "site a", "b.example.": "site b"} {
		if res, body := fetch(t, urls[0]+"/", host); res.StatusCode != 200 || body != want {
			t.Errorf("Host %s: %d %q, want %q", host, res.StatusCode, body, want)
		}
	}
	res, body := fetch(t, urls[0]+"/", "c.example")
	if res.StatusCode != 404 || strings.Contains(body, a) || strings.Contains(body, "127.0.0.1") {
		t.Errorf("unknown host: %d %q", res.StatusCode, body)
	}

	// A site without a host takes every name the others do not claim.
	_, urls = serve(t, `
a.example:0 {
	root {$A}
}
:0 {
	root {$O}
}
`, map[string]string{"A": a, "O": other})
	if _, body := fetch(t, urls[0]+"/", "a.example"); body != "site a" {
		t.Errorf("named host: %q", body)
	}
	if _, body := fetch(t, urls[0]+"/", "anything.example"); body != "any other host" {
		t.Errorf("fallback: %q", body)
	}
}

func TestSeveralPortsSeveralServers(t *testing.T) {
	dir := t.TempDir()
	cfg, err := Load("Caddyfile", []byte("localhost:8001 {\n root "+dir+"\n}\nlocalhost:8002 {\n root "+dir+"\n}\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer cfg.Close()
	if len(cfg.Servers) != 2 || cfg.Servers[0].Addr != ":8001" || cfg.Servers[1].Addr != ":8002" {
		t.Fatalf("servers: %+v", cfg.Servers)
	}
}

func TestLoadFailureStartsNothing(t *testing.T) {
	dir := t.TempDir()
	logFile := filepath.Join(dir, "access.log")
	// The second site's root does not exist: the first site's log file,
	// opened before, must be closed again, and no error names more than
	// the directive.
	_, err := Load("Caddyfile", []byte(fmt.Sprintf(":0 {\n root %s\n log %s\n}\nx.example:0 {\n root %s/missing\n}\n", dir, logFile, dir)), env(nil))
	if err == nil || !strings.HasPrefix(err.Error(), "Caddyfile:6:2: root: ") {
		t.Fatalf("error %v", err)
	}
	// A syntax error after valid sites: nothing opened at all.
	logFile2 := filepath.Join(dir, "never.log")
	_, err = Load("Caddyfile", []byte(fmt.Sprintf(":0 {\n log %s\n}\nx.example:0 {\n gzip {\n level 0\n }\n}\n", logFile2)), env(nil))
	if err == nil || !strings.HasPrefix(err.Error(), "Caddyfile:6:2: gzip: level") {
		t.Fatalf("error %v", err)
	}
	if _, statErr := os.Stat(logFile2); !os.IsNotExist(statErr) {
		t.Fatalf("the log file was created by a file that failed to load: %v", statErr)
	}
}

// TestEndToEnd serves one Caddyfile with gzip, log, browse, proxy with
// round_robin over two real upstreams, and fastcgi with the php preset
// against a real php-fpm.
func TestEndToEnd(t *testing.T) {
	root := t.TempDir()
	page := "<h1>big</h1>" + strings.Repeat("<p>compressible text</p>", 200)
	writeFiles(t, root, map[string]string{
		"big.html":      page,
		"docs/a.txt":    "a",
		"docs/b.txt":    "b",
		"hello.php":     `<?php header("X-Powered: php"); echo "hello from php ", $_SERVER["SCRIPT_NAME"], " ", $_SERVER["PATH_INFO"] ?? "";`,
		"app/index.php": `<?php echo "index of app";`,
	})
	fpm := testfpm.Start(t, testfpm.Options{}).Addr
	var upstreams []string
	for _, name := range []string{"one", "two"} {
		up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s %s", name, r.URL.Path)
		}))
		t.Cleanup(up.Close)
		upstreams = append(upstreams, up.Listener.Addr().String())
	}
	logFile := filepath.Join(t.TempDir(), "access.log")
	cfg, urls := serve(t, `
:0 {
	root {$ROOT}
	fastcgi / {$FPM} php   # written first, chained after proxy, as in Caddy
	gzip
	log {$LOG}
	browse /docs
	proxy /api {$UP1} {$UP2} {
		policy round_robin
		without /api
		header_downstream X-Proxied yes
	}
}
`, map[string]string{"ROOT": root, "FPM": fpm, "LOG": logFile, "UP1": upstreams[0], "UP2": upstreams[1]})

	// proxy, round_robin: the two upstreams in turn, prefix cut.
	var got []string
	for range 4 {
		res, body := fetch(t, urls[0]+"/api/users", "")
		if res.StatusCode != 200 || res.Header.Get("X-Proxied") != "yes" {
			t.Fatalf("proxy: %d %v %q", res.StatusCode, res.Header, body)
		}
		got = append(got, body)
	}
	if got[0] == got[1] || got[0] != got[2] || got[1] != got[3] || !strings.HasSuffix(got[0], " /users") {
		t.Errorf("round_robin: %q", got)
	}

	// fastcgi, php preset: split at .php, index.php for folders.
	res, body := fetch(t, urls[0]+"/hello.php/extra", "")
	if res.StatusCode != 200 || body != "hello from php /hello.php /extra" || res.Header.Get("X-Powered") != "php" {
		t.Errorf("php: %d %q", res.StatusCode, body)
	}
	if _, body := fetch(t, urls[0]+"/app/", ""); body != "index of app" {
		t.Errorf("index.php: %q", body)
	}

	// gzip on a static file, with the file server at the end of the chain.
	res, body = fetch(t, urls[0]+"/big.html", "", "Accept-Encoding", "gzip")
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip: %v", res.Header)
	}
	zr, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); string(plain) != page {
		t.Errorf("gunzipped body differs")
	}

	// browse only under /docs.
	if res, body := fetch(t, urls[0]+"/docs/", "", "Accept", "text/plain"); res.StatusCode != 200 || !strings.Contains(body, "a.txt") || !strings.Contains(body, "b.txt") {
		t.Errorf("listing: %d %q", res.StatusCode, body)
	}
	writeFiles(t, root, map[string]string{"nolist/x.txt": "x"})
	if res, _ := fetch(t, urls[0]+"/nolist/", ""); res.StatusCode != 404 {
		t.Errorf("listing outside /docs: %d", res.StatusCode)
	}

	// log: Common Log Format lines, written once the config is closed.
	cfg.Close()
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"GET /api/users HTTP/1.1" 200`, `"GET /hello.php/extra HTTP/1.1" 200`, `"GET /nolist/ HTTP/1.1" 404`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("access log lacks %s:\n%s", want, b)
		}
	}
}
