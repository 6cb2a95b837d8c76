package browse

import (
	"fmt"
	"net/http"
	"os"
	"path"
	"strings"
	"sync"

	"github.com/httpmw/httpmw"
)

// Server serves the files of one folder. It is an httpmw.Handler meant for
// the end of a chain, as http.FileServer is; Middleware gives the form that
// hands unmatched requests on. A Server is safe for concurrent use; make
// one with New (the zero value is not usable).
type Server struct {
	root         *os.Root
	indexNames   []string
	listing      bool
	listingPaths []httpmw.Path
	hide         hider
	precompress  bool
	cfg          Config    // the hooks and template
	bufs         sync.Pool // *[]byte buffers for streamed listings
}

var _ httpmw.Handler = (*Server)(nil)

// New opens cfg.Root and returns a Server for it. Close releases the folder.
func New(cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	dir := cfg.Root
	if dir == "" {
		dir = "."
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("browse: Config.Root: %w", err)
	}
	if fi, err := root.Stat("."); err != nil || !fi.IsDir() {
		root.Close()
		return nil, fmt.Errorf("browse: Config.Root: %q: %w", dir, ErrNotFolder)
	}
	s := &Server{
		root:        root,
		indexNames:  cfg.IndexNames,
		listing:     cfg.Listing,
		hide:        newHider(cfg.Hide, cfg.ShowDotfiles),
		precompress: !cfg.DisablePrecompressed,
		cfg:         cfg,
	}
	if s.indexNames == nil {
		s.indexNames = DefaultIndexNames
	}
	for _, p := range cfg.ListingPaths {
		s.listingPaths = append(s.listingPaths, httpmw.Path{Base: p})
	}
	return s, nil
}

// Close closes the folder; requests served after Close get 404.
func (s *Server) Close() error { return s.root.Close() }

// ServeHTTP serves the file, index page or listing at r.URL.Path. It
// answers 404 (unwritten) for what does not exist or is hidden, and 405 for
// methods other than GET and HEAD.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) (int, error) {
	return s.serve(w, r, nil)
}

// Middleware serves what exists and hands the rest to next: requests for
// missing or hidden files, folders with nothing to show, and methods other
// than GET and HEAD. Requests with a malicious path are still refused (400)
// here, not passed on.
func (s *Server) Middleware(next httpmw.Handler) httpmw.Handler {
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		return s.serve(w, r, next)
	})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, next httpmw.Handler) (int, error) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if next != nil {
			return next.ServeHTTP(w, r)
		}
		w.Header().Set("Allow", "GET, HEAD")
		return http.StatusMethodNotAllowed, nil
	}
	name, slash, status := cleanRequestPath(r.URL.Path)
	if status != 0 {
		return status, nil
	}
	if s.hide.hidden(name) {
		return s.notFound(w, r, next)
	}
	f, err := s.open(name)
	if err != nil {
		return s.fsError(w, r, next, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return s.fsError(w, r, next, err)
	}
	if fi.IsDir() {
		return s.serveDir(w, r, next, f, name, slash)
	}
	if !fi.Mode().IsRegular() {
		return s.notFound(w, r, next)
	}
	base := path.Base(name)
	if slash {
		// "/a.txt/" names no folder: point the client at the file.
		return localRedirect(w, r, "../"+base)
	}
	if s.isIndexName(base) {
		// One URL per page: "/docs/index.html" is "/docs/".
		return localRedirect(w, r, "./")
	}
	return s.serveFile(w, r, f, fi, name)
}

// open opens a cleaned request path inside the root (os.Root follows a
// symlink only while it stays inside), without blocking on a named pipe.
func (s *Server) open(name string) (*os.File, error) {
	return s.root.OpenFile(rootName(name), os.O_RDONLY|openNonblock, 0)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, next httpmw.Handler) (int, error) {
	if next != nil {
		return next.ServeHTTP(w, r)
	}
	return http.StatusNotFound, nil
}

// fsError answers a failed filesystem access: 404 and 403 leave the path
// unsaid (the error page is the caller's), 500 reports err to the caller.
func (s *Server) fsError(w http.ResponseWriter, r *http.Request, next httpmw.Handler, err error) (int, error) {
	switch status := statusForFSError(err); status {
	case http.StatusNotFound:
		return s.notFound(w, r, next)
	case http.StatusInternalServerError:
		return status, fmt.Errorf("browse: %w", err)
	default:
		return status, nil
	}
}

func (s *Server) isIndexName(base string) bool {
	for _, n := range s.indexNames {
		if n == base {
			return true
		}
	}
	return false
}

// serveDir serves a folder: its index page, its listing, the welcome page
// or nothing.
func (s *Server) serveDir(w http.ResponseWriter, r *http.Request, next httpmw.Handler, dir *os.File, name string, slash bool) (int, error) {
	if !slash {
		// Relative links in the folder's page resolve only under "name/".
		return localRedirect(w, r, path.Base(name)+"/")
	}
	for _, idx := range s.indexNames {
		p := path.Join(name, idx)
		if s.hide.hidden(p) {
			continue
		}
		f, err := s.open(p)
		if err != nil {
			continue
		}
		fi, err := f.Stat()
		if err == nil && fi.Mode().IsRegular() {
			defer f.Close()
			return s.serveFile(w, r, f, fi, p)
		}
		f.Close()
	}
	if !s.listingAllowed(name) {
		if name == "/" && s.cfg.Welcome != nil {
			return s.cfg.Welcome.ServeHTTP(w, r)
		}
		return s.notFound(w, r, next)
	}
	return s.serveListing(w, r, dir, name)
}

func (s *Server) listingAllowed(name string) bool {
	if !s.listing {
		return false
	}
	if len(s.listingPaths) == 0 {
		return true
	}
	for _, p := range s.listingPaths {
		if p.Matches(name) {
			return true
		}
	}
	return false
}

// localRedirect redirects with a relative Location, so the redirect stays
// right when the Server is mounted under a prefix (http.StripPrefix). The
// query string is kept.
func localRedirect(w http.ResponseWriter, r *http.Request, target string) (int, error) {
	if q := r.URL.RawQuery; q != "" {
		target += "?" + q
	}
	w.Header().Set("Location", escapeLocation(target))
	w.WriteHeader(http.StatusMovedPermanently)
	return http.StatusMovedPermanently, nil
}

// escapeLocation percent-encodes a relative target path so that no name
// can make it absolute ("//evil.example") or carry a scheme ("a:b").
func escapeLocation(target string) string {
	p, q, hasQ := strings.Cut(target, "?")
	var b strings.Builder
	for i, seg := range strings.Split(p, "/") {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(escapeSegment(seg))
	}
	if hasQ {
		b.WriteByte('?')
		b.WriteString(q)
	}
	return b.String()
}
