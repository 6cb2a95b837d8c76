package ext

import (
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sync"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/cfgerr"
)

// Extensions rewrites extensionless request paths to the first file that
// exists with one of its extensions. It is safe for concurrent use; make
// one with New and Close it when done.
type Extensions struct {
	exts   []string
	dir    string
	follow bool // dir is or goes through a symlink: open it per request

	mu   sync.Mutex
	root *os.Root // nil when follow, or after Close
}

// New opens cfg.Root and returns the middleware, or an error naming the
// bad field.
func New(cfg Config) (*Extensions, error) {
	exts, err := cfg.exts()
	if err != nil {
		return nil, err
	}
	dir := cfg.Root
	if dir == "" {
		dir = "."
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, cfgerr.New("ext", "Config.Root", "%w", err)
	}
	e := &Extensions{exts: exts, dir: dir, follow: throughSymlink(dir)}
	if e.follow {
		root.Close()
	} else {
		e.root = root
	}
	return e, nil
}

// throughSymlink reports whether dir is, or goes through, a symlink (or
// could not be resolved, to be safe).
func throughSymlink(dir string) bool {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return true
	}
	real, err := filepath.EvalSymlinks(abs)
	return err != nil || real != abs
}

// Close releases the folder. Requests after Close are passed on
// unchanged. It always returns nil.
func (e *Extensions) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.root != nil {
		e.root.Close()
		e.root = nil
	}
	e.follow = false
	return nil
}

// Middleware hands next the request with its path rewritten to the first
// existing file among path+ext, or unchanged when the path has an
// extension, ends in "/", or no such file exists. r.RequestURI, what
// access logs show, is left as the client sent it.
func (e *Extensions) Middleware(next httpmw.Handler) httpmw.Handler {
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		if p, ok := e.find(r.URL.Path); ok {
			r2 := new(http.Request)
			*r2 = *r
			u := *r.URL
			u.Path, u.RawPath = p, ""
			r2.URL = &u
			r = r2
		}
		return next.ServeHTTP(w, r)
	})
}

// find returns the rewritten path for p, if there is one.
func (e *Extensions) find(p string) (string, bool) {
	if p == "" || p[len(p)-1] == '/' || path.Ext(p) != "" {
		return "", false
	}
	name := path.Clean("/" + p)
	if name == "/" {
		return "", false
	}
	root, done := e.open()
	if root == nil {
		return "", false
	}
	defer done()
	for _, x := range e.exts {
		fi, err := root.Stat(name[1:] + x)
		if err == nil && fi.Mode().IsRegular() {
			return name + x, true
		}
	}
	return "", false
}

// open returns the folder to look in and what to call when done.
func (e *Extensions) open() (*os.Root, func()) {
	e.mu.Lock()
	root, follow := e.root, e.follow
	e.mu.Unlock()
	if !follow {
		return root, func() {}
	}
	root, err := os.OpenRoot(e.dir)
	if err != nil {
		return nil, nil
	}
	return root, func() { root.Close() }
}
