package caddyfile

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOwnFilesHidden serves "root ." from the folder that holds the
// Caddyfile and the access log, as a user who starts the server in the
// site's folder does: neither the Caddyfile (it holds the webhook secret)
// nor the logs and their logrotate copies may be served or listed. A
// second site names the same files with absolute paths, through a symlink.
func TestOwnFilesHidden(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"index.html":     "home",
		"docs/a.txt":     "a",
		"access.log.1":   "old log",
		".git/config":    "[core]",
		"logs/error.log": "not ours",
	})
	src := ":80 {\n\troot .\n\tlog access.log\n\tlog /docs logs/docs.log\n\tbrowse\n\tgit r {\n\t\thook /deploy s3cret\n\t}\n}\n"
	writeFiles(t, dir, map[string]string{"Caddyfile": src})
	t.Chdir(dir)
	src = strings.Replace(src, "\tgit r {\n\t\thook /deploy s3cret\n\t}\n", "", 1) // no clone here; the secret stays in the file
	cfg, err := Load("Caddyfile", []byte(src), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer cfg.Close()
	srv := httptest.NewServer(cfg.Servers[0].Handler)
	defer srv.Close()

	for path, want := range map[string]int{
		"/":                  200,
		"/docs/a.txt":        200,
		"/logs/":             200,
		"/logs/error.log":    200, // a file the site did not write is served as before
		"/Caddyfile":         404,
		"/access.log":        404,
		"/access.log.1":      404,
		"/logs/docs.log":     404,
		"/.git/config":       404,
		"/%43addyfile":       404,
		"/docs/../Caddyfile": 400, // browse refuses ".." outright
	} {
		res, body := fetch(t, srv.URL+path, "")
		if res.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, res.StatusCode, want)
		}
		if strings.Contains(body, "s3cret") || strings.Contains(body, "GET /") {
			t.Errorf("GET %s leaked the Caddyfile or a log: %.80q", path, body)
		}
	}
	res, body := fetch(t, srv.URL+"/logs/", "", "Accept", "text/html")
	if res.StatusCode != 200 || strings.Contains(body, "docs.log") || !strings.Contains(body, "error.log") {
		t.Errorf("listing of /logs/: %d, lists docs.log: %v, lists error.log: %v", res.StatusCode, strings.Contains(body, "docs.log"), strings.Contains(body, "error.log"))
	}

	// The same files by absolute path, the root through a symlink.
	link := filepath.Join(t.TempDir(), "site")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	abs := ":80 {\n\troot " + link + "\n\tlog " + filepath.Join(dir, "access.log") + "\n}\n"
	cfg2, err := Load(filepath.Join(dir, "Caddyfile"), []byte(abs), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer cfg2.Close()
	srv2 := httptest.NewServer(cfg2.Servers[0].Handler)
	defer srv2.Close()
	for _, path := range []string{"/Caddyfile", "/access.log", "/access.log.1"} {
		if res, _ := fetch(t, srv2.URL+path, ""); res.StatusCode != 404 {
			t.Errorf("through a symlinked root, GET %s: %d, want 404", path, res.StatusCode)
		}
	}
	if res, _ := fetch(t, srv2.URL+"/docs/a.txt", ""); res.StatusCode != 200 {
		t.Errorf("through a symlinked root, GET /docs/a.txt: %d", res.StatusCode)
	}
}

func TestGlobEscape(t *testing.T) {
	if got := globEscape(`a*b?[c]\d`); got != `a\*b\?\[c]\\d` {
		t.Fatalf("%s", got)
	}
}
