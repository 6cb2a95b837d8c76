package browse

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw"
)

// jsonListing mirrors the documented JSON fields.
type jsonListing struct {
	Path   string `json:"path"`
	Total  int    `json:"total"`
	Offset int    `json:"offset"`
	Limit  int    `json:"limit"`
	Sort   string `json:"sort"`
	Order  string `json:"order"`
	Items  []struct {
		Name      string    `json:"name"`
		URL       string    `json:"url"`
		Size      int64     `json:"size"`
		ModTime   time.Time `json:"mod_time"`
		Mode      string    `json:"mode"`
		IsDir     bool      `json:"is_dir"`
		IsSymlink bool      `json:"is_symlink"`
	} `json:"items"`
}

func (l jsonListing) names() string {
	var s []string
	for _, it := range l.Items {
		s = append(s, it.Name)
	}
	return strings.Join(s, ",")
}

func getJSON(t *testing.T, s *site, path string) jsonListing {
	t.Helper()
	res, body := s.get(t, "GET", path, "Accept", "application/json")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%s: %d %s %q", path, res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	var l jsonListing
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		t.Fatalf("%s: %v in %q", path, err, body)
	}
	return l
}

// sortingSite has entries whose name, size and time orders all differ.
func sortingSite(t *testing.T, cfg Config) *site {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return newSite(t, cfg, func(root string) {
		for _, f := range []struct {
			name string
			size int
			age  int
		}{{"b.txt", 300, 1}, {"a10.txt", 10, 3}, {"a9.txt", 2000, 2}, {"C.txt", 1, 4}} {
			writeFile(t, root, f.name, strings.Repeat("x", f.size))
			mt := base.Add(time.Duration(-f.age) * time.Hour)
			os.Chtimes(filepath.Join(root, f.name), mt, mt)
		}
		os.Mkdir(filepath.Join(root, "zdir"), 0o755)
		os.Mkdir(filepath.Join(root, "adir"), 0o755)
		os.Symlink("b.txt", filepath.Join(root, "link.txt"))
	})
}

func TestListingJSONSortAndPage(t *testing.T) {
	s := sortingSite(t, Config{Listing: true})
	l := getJSON(t, s, "/")
	if l.Path != "/" || l.Total != 7 || l.Sort != "name" || l.Order != "asc" || l.Limit != 0 {
		t.Fatalf("header fields: %+v", l)
	}
	if got := l.names(); got != "adir,zdir,a9.txt,a10.txt,b.txt,C.txt,link.txt" {
		t.Errorf("default order (folders first, natural, case-insensitive): %s", got)
	}
	for _, it := range l.Items {
		switch it.Name {
		case "adir":
			if !it.IsDir || it.URL != "adir/" || it.Size != 0 || it.Mode[0] != 'd' {
				t.Errorf("folder item: %+v", it)
			}
		case "a9.txt":
			if it.IsDir || it.Size != 2000 || it.URL != "a9.txt" || it.Mode != "-rw-r--r--" ||
				!it.ModTime.Equal(time.Date(2025, 12, 31, 22, 0, 0, 0, time.UTC)) {
				t.Errorf("file item: %+v", it)
			}
		case "link.txt":
			if !it.IsSymlink || it.Size != 300 {
				t.Errorf("symlink item: %+v", it)
			}
		}
	}
	for q, want := range map[string]string{
		"?sort=name&order=desc":         "zdir,adir,link.txt,C.txt,b.txt,a10.txt,a9.txt",
		"?sort=size":                    "adir,zdir,C.txt,a10.txt,b.txt,link.txt,a9.txt",
		"?sort=size&order=desc":         "zdir,adir,a9.txt,link.txt,b.txt,a10.txt,C.txt",
		"?sort=time&order=asc&limit=3":  "", // checked below: folders are newest
		"?sort=size&limit=2&offset=2":   "C.txt,a10.txt",
		"?sort=size&limit=2&offset=6":   "a9.txt",
		"?sort=size&limit=2&offset=100": "",
		"?limit=3&x=y&utm_source=z":     "adir,zdir,a9.txt",
		"?offset=5":                     "C.txt,link.txt",
	} {
		if strings.HasPrefix(q, "?sort=time") {
			continue
		}
		l := getJSON(t, s, "/"+q)
		if got := l.names(); got != want || l.Total != 7 {
			t.Errorf("%s: %s (total %d), want %s", q, got, l.Total, want)
		}
	}
	l = getJSON(t, s, "/?sort=time")
	if got := l.names(); !strings.HasSuffix(got, "C.txt,a10.txt,a9.txt,b.txt,link.txt") && !strings.HasSuffix(got, "C.txt,a10.txt,a9.txt,link.txt,b.txt") {
		t.Errorf("sort=time: %s", got)
	}
	for _, q := range []string{"?sort=owner", "?order=up", "?limit=-1", "?offset=x", "?limit=99999999999999999999", "?sort=%zz"} {
		if res, body := s.get(t, "GET", "/"+q); res.StatusCode != 400 || strings.Contains(body, s.root) {
			t.Errorf("%s: %d %q, want 400", q, res.StatusCode, body)
		}
	}
}

func TestListingFormatsNegotiated(t *testing.T) {
	s := sortingSite(t, Config{Listing: true})
	for _, c := range []struct{ accept, ctype string }{
		{"", "text/html; charset=utf-8"},
		{"*/*", "text/html; charset=utf-8"},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html; charset=utf-8"},
		{"application/json", "application/json"},
		{"application/json;q=0.5, text/plain", "text/plain; charset=utf-8"},
		{"text/*", "text/html; charset=utf-8"},
		{"text/plain", "text/plain; charset=utf-8"},
		{"image/png", "text/html; charset=utf-8"},
	} {
		res, _ := s.get(t, "GET", "/", "Accept", c.accept)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != c.ctype {
			t.Errorf("Accept %q: %d %q, want %q", c.accept, res.StatusCode, res.Header.Get("Content-Type"), c.ctype)
		}
		if res.Header.Get("Vary") != "Accept" {
			t.Errorf("Accept %q: Vary %q", c.accept, res.Header.Get("Vary"))
		}
	}
	_, text := s.get(t, "GET", "/?sort=size&order=desc", "Accept", "text/plain")
	if text != "zdir/\nadir/\na9.txt\nlink.txt\nb.txt\na10.txt\nC.txt\n" {
		t.Errorf("text listing:\n%s", text)
	}
	if res, body := s.get(t, "HEAD", "/"); res.StatusCode != 200 || body != "" {
		t.Errorf("HEAD listing: %d %q", res.StatusCode, body)
	}
}

func TestListingHTML(t *testing.T) {
	evil := `<img src=x onerror=alert(1)>"'&.txt`
	s := newSite(t, Config{Listing: true}, func(root string) {
		writeFile(t, root, "docs/"+evil, "x")
		writeFile(t, root, "docs/a:b.txt", "x")
		writeFile(t, root, "docs/big.bin", strings.Repeat("x", 1536))
		os.Mkdir(filepath.Join(root, "docs", "sub dir"), 0o755)
		os.Symlink("big.bin", filepath.Join(root, "docs", "link.bin"))
	})
	res, body := s.get(t, "GET", "/docs/")
	if res.StatusCode != 200 {
		t.Fatalf("%d", res.StatusCode)
	}
	for _, want := range []string{
		`<title>/docs/</title>`,
		`&lt;img src=x onerror=alert(1)&gt;&#34;&#39;&amp;.txt`,            // text escaped
		`href="%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E%22%27%26.txt"`, // link escaped
		`href="a%3Ab.txt"`,                                                 // no "a:" scheme
		`href="sub%20dir/"`,                                                // folders end in "/"
		`1.5 KiB`,                                                          // human size
		`aria-label="symbolic link"`,                                       // symlink mark
		`id="filter"`,                                                      // filter box
		`href="?sort=size&amp;order=desc" data-sort="size"`,                // sortable header
		`<a href="../" title="Top folder">`,                                // breadcrumb
		`<a href="../"><svg class="i"><use href="#d"/></svg><span>Parent folder`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(body, "<img") || strings.Contains(body, "http://") && !strings.Contains(body, "http://www.w3.org/2000/svg") {
		t.Errorf("raw markup or external asset in page")
	}
	if strings.Index(body, "sub%20dir/") > strings.Index(body, "a%3Ab.txt") {
		t.Errorf("folders not first")
	}
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'sha256-") {
		t.Errorf("CSP %q", csp)
	}
}

func TestCustomTemplate(t *testing.T) {
	tpl := template.Must(template.New("l").Parse(`{{.Path}} {{.Total}}:{{range .Items}} {{.Name}}={{.URL}}({{.HumanSize}},{{.IsDir}}){{end}}`))
	s := newSite(t, Config{Listing: true, Template: tpl}, func(root string) {
		writeFile(t, root, "d/a b.txt", strings.Repeat("x", 2048))
		os.Mkdir(filepath.Join(root, "d", "e"), 0o755)
	})
	if _, body := s.get(t, "GET", "/d/"); body != "/d/ 2: e=e/(0 B,true) a b.txt=a%20b.txt(2.0 KiB,false)" {
		t.Errorf("custom template: %q", body)
	}
	if _, body := s.get(t, "GET", "/d/", "Accept", "application/json"); !strings.Contains(body, `"a b.txt"`) {
		t.Errorf("JSON with a custom template: %q", body)
	}
}

func TestWelcomeAndListingPaths(t *testing.T) {
	welcome := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		io.WriteString(w, "welcome")
		return http.StatusOK, nil
	})
	empty := newSite(t, Config{Listing: true, Welcome: welcome}, func(root string) {
		writeFile(t, root, ".hidden", "x") // hidden entries do not count
	})
	if _, body := empty.get(t, "GET", "/"); body != "welcome" {
		t.Errorf("empty root: %q, want the welcome page", body)
	}
	full := newSite(t, Config{Listing: true, Welcome: welcome}, func(root string) {
		writeFile(t, root, "a.txt", "x")
		os.Mkdir(filepath.Join(root, "empty"), 0o755)
	})
	if _, body := full.get(t, "GET", "/", "Accept", "text/plain"); body != "a.txt\nempty/\n" && body != "empty/\na.txt\n" {
		t.Errorf("non-empty root: %q, want the listing", body)
	}
	if res, body := full.get(t, "GET", "/empty/", "Accept", "text/plain"); res.StatusCode != 200 || body != "" {
		t.Errorf("empty subfolder: %d %q, want an empty listing", res.StatusCode, body)
	}
	off := newSite(t, Config{Welcome: welcome}, func(root string) { writeFile(t, root, "a.txt", "x") })
	if _, body := off.get(t, "GET", "/"); body != "welcome" {
		t.Errorf("listing off, no index: %q", body)
	}

	scoped := newSite(t, Config{Listing: true, ListingPaths: []string{"/pub"}}, func(root string) {
		writeFile(t, root, "pub/x/a.txt", "x")
		writeFile(t, root, "priv/b.txt", "x")
	})
	for p, want := range map[string]int{"/pub/": 200, "/pub/x/": 200, "/priv/": 404, "/": 404, "/priv/b.txt": 200} {
		if res, _ := scoped.get(t, "GET", p); res.StatusCode != want {
			t.Errorf("ListingPaths /pub: %s: %d, want %d", p, res.StatusCode, want)
		}
	}
}

func TestMiddlewareHandsOn(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "a.txt", "file")
	writeFile(t, root, ".env", "x")
	s, err := New(Config{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fallback := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		io.WriteString(w, "app:"+r.Method+" "+r.URL.Path)
		return http.StatusOK, nil
	})
	h := httpmw.ToHTTP(s.Middleware(fallback))
	for _, c := range []struct{ method, path, want string }{
		{"GET", "/a.txt", "file"},
		{"GET", "/missing", "app:GET /missing"},
		{"GET", "/.env", "app:GET /.env"},
		{"POST", "/a.txt", "app:POST /a.txt"},
		{"GET", "/", "app:GET /"}, // no index, no listing
	} {
		rec := newRecorder()
		h.ServeHTTP(rec, newRequest(c.method, c.path))
		if got := rec.Body.String(); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.method, c.path, got, c.want)
		}
	}
	rec := newRecorder()
	h.ServeHTTP(rec, newRequest("GET", "/../etc/passwd"))
	if rec.Code != 400 {
		t.Errorf("traversal through the middleware: %d, want 400", rec.Code)
	}
}

// TestListingPages lists a folder larger than Config.MaxListingEntries
// over HTTP: every format gets a page and a way to the next one (a Link
// header, total/limit in JSON, a "Next" link in HTML), a larger ?limit=
// is cut to the page, and following the links walks every entry once.
func TestListingPages(t *testing.T) {
	const n, max = 1000, 300
	s := newSite(t, Config{Listing: true, MaxListingEntries: max}, func(root string) {
		for i := range n {
			writeFile(t, root, fmt.Sprintf("big/f%04d", i), "")
		}
	})
	seen, target := 0, "/big/?limit=5000"
	for target != "" {
		res, body := s.get(t, "GET", target, "Accept", "text/plain")
		lines := strings.Count(body, "\n")
		if res.StatusCode != 200 || lines != min(max, n-seen) || !strings.HasPrefix(body, fmt.Sprintf("f%04d\n", seen)) {
			t.Fatalf("%s: %d, %d lines, %.20q", target, res.StatusCode, lines, body)
		}
		seen += lines
		target = ""
		if link := res.Header.Get("Link"); link != "" {
			if want := fmt.Sprintf("<?sort=name&order=asc&limit=%d&offset=%d>; rel=\"next\"", max, seen); link != want {
				t.Fatalf("Link %q, want %q", link, want)
			}
			target = "/big/" + strings.TrimSuffix(strings.TrimPrefix(link, "<"), ">; rel=\"next\"")
		}
	}
	if seen != n {
		t.Errorf("%d entries on all pages, want %d", seen, n)
	}
	var l jsonListing
	if res, body := s.get(t, "GET", "/big/", "Accept", "application/json"); res.StatusCode != 200 || json.Unmarshal([]byte(body), &l) != nil ||
		l.Total != n || l.Limit != max || len(l.Items) != max {
		t.Errorf("JSON: %d total %d limit %d items %d", res.StatusCode, l.Total, l.Limit, len(l.Items))
	}
	if res, body := s.get(t, "GET", "/big/?limit=10"); res.StatusCode != 200 || !strings.Contains(body, `href="?sort=name&amp;order=asc&amp;limit=10&amp;offset=10" rel="next"`) {
		t.Errorf("HTML page without a link to the next: %d", res.StatusCode)
	}
	// A folder that fits on a page is not paged.
	if res, body := s.get(t, "GET", "/", "Accept", "application/json"); res.StatusCode != 200 || res.Header.Get("Link") != "" || !strings.Contains(body, `"limit":0`) {
		t.Errorf("small folder: %d Link %q %s", res.StatusCode, res.Header.Get("Link"), body)
	}
}
