package main

import (
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"os"
	"strings"

	"github.com/httpmw/httpmw"
)

// newSite builds the handler chain for the folder at root. The chain grows
// as httpmw's packages land: logger -> gzip -> browse is the goal.
func newSite(root string) (http.Handler, error) {
	dir, err := os.OpenRoot(root) // confined: no "..", no symlink out of root
	if err != nil {
		return nil, err
	}
	files := httpmw.FromHTTP(http.FileServerFS(notFoundFS{dir.FS()}))
	chain := httpmw.Chain(hideDotfiles, welcome(root, dir))
	return httpmw.ToHTTP(chain(files)), nil
}

// notFoundFS reports a path that os.Root refuses (a symlink out of the
// folder, say) as missing, where http.FileServer would answer 500.
type notFoundFS struct{ fs.FS }

func (f notFoundFS) Open(name string) (fs.File, error) {
	file, err := f.FS.Open(name)
	if err != nil && !errors.Is(err, fs.ErrPermission) {
		err = fs.ErrNotExist
	}
	return file, err
}

// hideDotfiles answers 404 for any path with a segment starting with a dot,
// so .git and .env never leave the machine.
func hideDotfiles(next httpmw.Handler) httpmw.Handler {
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		for _, seg := range strings.Split(r.URL.Path, "/") {
			if strings.HasPrefix(seg, ".") {
				return http.StatusNotFound, nil
			}
		}
		return next.ServeHTTP(w, r)
	})
}

// indexNames are the files that make a folder a site.
var indexNames = []string{"index.html", "index.htm", "default.html", "default.htm"}

// welcome shows the welcome page at "/" while the folder has no index page.
func welcome(root string, dir *os.Root) httpmw.Middleware {
	return func(next httpmw.Handler) httpmw.Handler {
		return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
			if r.URL.Path != "/" || hasIndex(dir) {
				return next.ServeHTTP(w, r)
			}
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				w.Header().Set("Allow", "GET, HEAD")
				return http.StatusMethodNotAllowed, nil
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store") // it must vanish once index.html exists
			return http.StatusOK, welcomePage.Execute(w, struct{ Root string }{root})
		})
	}
}

func hasIndex(dir *os.Root) bool {
	for _, name := range indexNames {
		if fi, err := dir.Stat(name); err == nil && fi.Mode().IsRegular() {
			return true
		}
	}
	return false
}

var welcomePage = template.Must(template.New("welcome").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>httpmw devserver</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; }
code, pre { background: #f3f3f3; border-radius: 4px; padding: .1rem .3rem; }
pre { padding: .8rem; white-space: pre-wrap; word-break: break-word; }
</style>
</head>
<body>
<h1>It works: httpmw is serving this folder</h1>
<p>Folder served: <code>{{.Root}}</code></p>
<p>There is no <code>index.html</code> here yet, so you see this page. Add one and reload:</p>
<pre>echo '&lt;h1&gt;Hello&lt;/h1&gt;' &gt; index.html</pre>
<p>Any other file in the folder is served at its path, for example <code>/style.css</code>.
Files and folders whose names start with a dot are never served.</p>
<p>Serve another folder or address with <code>-root</code> and <code>-listen</code>:</p>
<pre>go run ./examples/devserver -root ./public -listen localhost:8080</pre>
<p>Docs: the project's <code>README.md</code>, and each package's documentation with <code>go doc github.com/httpmw/httpmw</code>.</p>
</body>
</html>
`))
