package browse

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/httpmw/httpmw"
)

// TestCaddy07Template serves a listing with a template written for Caddy
// 0.7 (testdata/caddy07.html: every field and method of its Listing,
// FileInfo and Context) over a real server.
func TestCaddy07Template(t *testing.T) {
	src, err := os.ReadFile("testdata/caddy07.html")
	if err != nil {
		t.Fatal(err)
	}
	tpl := template.Must(template.New("caddy07.html").Parse(string(src)))
	s := newSite(t, Config{Listing: true, Template: tpl}, func(root string) {
		writeFile(t, root, "docs/guide/a b.txt", strings.Repeat("x", 1536))
		writeFile(t, root, "docs/guide/sub/x.txt", "x")
		writeFile(t, root, "footer.tpl", `<p>included for {{.Path}}</p>`)
	})
	res, body := s.get(t, "GET", "/docs/guide/?sort=size&order=desc", "X-Test", "hdr", "Cookie", "c=cookie")
	if res.StatusCode != 200 {
		t.Fatalf("%d %q", res.StatusCode, body)
	}
	for _, want := range []string{
		"<title>guide</title>", "<h1>/docs/guide/</h1>", `<a href="..">Up one level</a>`,
		`<a href="?sort=size&order=asc">Size</a>`,
		`[dir] <a href="sub/">sub</a>`, `<a href="a%20b.txt">a b.txt</a>`, `title="1536">1.5 KiB<`,
		"-rw-r--r--",
		"GET /docs/guide/?sort=size&amp;order=desc hdr cookie ip=127.0.0.1 host=127.0.0.1 port=" + strings.TrimPrefix(s.srv.URL, "http://127.0.0.1:"),
		"in-docs abc a.tar a&#43;b bold 4 int user= /docs/guide/ GET",
		"<p>included for /docs/guide/</p>",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %q in\n%s", want, body)
		}
	}
	if res.Header.Get("Content-Length") == "" {
		t.Error("a template page is sent whole, with its length")
	}
}

// TestTemplateFailureIs500 runs a template that fails only on some
// folders: the response is a 500 with nothing of the page in it, and the
// error reaches the adapter's OnError for the log.
func TestTemplateFailureIs500(t *testing.T) {
	// The sample listing has no "boom.txt": New accepts this template.
	tpl := template.Must(template.New("t").Parse(`START{{range .Items}}{{.Name}} {{if eq .Name "boom.txt"}}{{index .Name 99}}{{end}}{{end}}END`))
	parent := t.TempDir()
	writeFile(t, parent, "ok/fine.txt", "x")
	writeFile(t, parent, "bad/boom.txt", "x")
	srv, err := New(Config{Root: parent, Listing: true, Template: tpl})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var mu sync.Mutex
	var logged []error
	ts := httptest.NewServer(httpmw.Adapter{OnError: func(r *http.Request, status int, err error) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, err)
	}}.Handler(srv))
	defer ts.Close()
	s := &site{srv: ts, client: ts.Client()}
	if res, body := s.get(t, "GET", "/ok/"); res.StatusCode != 200 || body != "STARTfine.txt END" {
		t.Errorf("good folder: %d %q", res.StatusCode, body)
	}
	res, body := s.get(t, "GET", "/bad/")
	if res.StatusCode != 500 || strings.Contains(body, "START") || strings.Contains(body, parent) {
		t.Errorf("failing template: %d %q, want a 500 page", res.StatusCode, body)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(logged) != 1 || !strings.Contains(logged[0].Error(), "browse: listing template") || !strings.Contains(logged[0].Error(), "index") {
		t.Errorf("logged %v", logged)
	}
}

// TestNewChecksTemplate gives New templates that fail on any listing: a
// field that no listing has, a method called with the wrong arguments.
func TestNewChecksTemplate(t *testing.T) {
	dir := t.TempDir()
	for _, src := range []string{`{{.Nope}}`, `{{range .Items}}{{.Owner}}{{end}}`, `{{range .Items}}{{.HumanModTime}}{{end}}`} {
		tpl := template.Must(template.New("t").Parse(src))
		_, err := New(Config{Root: dir, Listing: true, Template: tpl})
		if err == nil || !strings.HasPrefix(err.Error(), "browse: Config.Template: ") {
			t.Errorf("%s: %v", src, err)
		}
		if err := CheckTemplate(tpl); err == nil {
			t.Errorf("CheckTemplate(%s) passed", src)
		}
	}
	src, err := os.ReadFile(filepath.Join("testdata", "caddy07.html"))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckTemplate(template.Must(template.New("c").Parse(string(src)))); err != nil {
		t.Errorf("Caddy 0.7 template: %v", err)
	}
}
