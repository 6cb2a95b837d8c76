package browse

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/cfgerr"
)

// Server serves the files of one folder. It is an httpmw.Handler meant for
// the end of a chain, as http.FileServer is; Middleware gives the form that
// hands unmatched requests on. A Server is safe for concurrent use; make
// one with New (the zero value is not usable).
type Server struct {
	cur          atomic.Pointer[tree] // the folder served now; nil after Close
	follow       *follower            // nil when Config.Root goes through no symlink
	indexNames   []string
	listing      bool
	listingPaths []httpmw.Path
	hide         hider
	precompress  bool
	maxEntries   int           // entries per listing page; <= 0: all
	deep         chan struct{} // slots for deep listing pages
	cfg          Config        // the hooks and template
	bufs         sync.Pool     // *[]byte buffers for streamed listings
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
	t, err := openTree(dir)
	if errors.Is(err, ErrNotFolder) {
		return nil, cfgerr.New("browse", "Config.Root", "%q: %w", dir, ErrNotFolder)
	}
	if err != nil {
		return nil, cfgerr.New("browse", "Config.Root", "%w", err)
	}
	s := &Server{
		indexNames:  cfg.IndexNames,
		listing:     cfg.Listing,
		hide:        newHider(cfg.Hide, cfg.ShowDotfiles),
		precompress: !cfg.DisablePrecompressed,
		maxEntries:  cfg.MaxListingEntries,
		deep:        make(chan struct{}, MaxDeepListings),
		cfg:         cfg,
	}
	if s.maxEntries == 0 {
		s.maxEntries = DefaultMaxListingEntries
	}
	if s.indexNames == nil {
		s.indexNames = DefaultIndexNames
	}
	for _, p := range cfg.ListingPaths {
		s.listingPaths = append(s.listingPaths, httpmw.Path{Base: p})
	}
	if abs, ok := throughSymlink(dir); ok {
		s.follow = &follower{path: abs}
	}
	s.cur.Store(t)
	return s, nil
}

// throughSymlink returns dir made absolute, and whether dir is, or goes
// through, a symlink (or could not be resolved, to be safe): such a Root is
// followed to wherever the link points at each request.
func throughSymlink(dir string) (string, bool) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir, true
	}
	real, err := filepath.EvalSymlinks(abs)
	return abs, err != nil || real != abs
}

// Close releases the folder: requests already running finish on it (the
// last one closes it), requests served after Close get 404. It always
// returns nil.
func (s *Server) Close() error {
	if f := s.follow; f != nil {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.closed = true
	}
	if t := s.cur.Swap(nil); t != nil {
		t.release()
	}
	return nil
}

// ServeHTTP serves the file, index page or listing at r.URL.Path. It is
// Middleware ending in httpmw.NotFound: what does not exist or is hidden
// is 404, unwritten. Methods other than GET and HEAD get 405 (with Allow),
// also unwritten.
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

// serve answers r; next is Middleware's next handler, nil for ServeHTTP.
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
	if r.URL.Path == "" && emptyPathHasSlash(r) {
		slash = true
	}
	if s.hide.hidden(name) {
		return s.notFound(w, r, next)
	}
	status, err := s.serveRevision(w, r, name, slash)
	if status == statusHandOn {
		// After the revision is released: next may run long (a proxied
		// app, a websocket) and must not keep an old revision open.
		return s.notFound(w, r, next)
	}
	return status, err
}

// serveRevision serves the request from the revision current now, held
// until the response is written (even if a Welcome handler panics).
func (s *Server) serveRevision(w http.ResponseWriter, r *http.Request, name string, slash bool) (int, error) {
	t := s.acquire()
	if t == nil {
		return statusHandOn, nil // closed
	}
	defer t.release()
	return s.serveIn(w, r, t.root, name, slash)
}

// statusHandOn is what serveIn and the functions under it return for a
// request that is not theirs (missing, hidden, nothing to show): 404, or
// the next handler for Middleware. It never leaves the package.
const statusHandOn = -1

// serveIn serves the cleaned request path name from root, the one revision
// this request sees.
func (s *Server) serveIn(w http.ResponseWriter, r *http.Request, root *os.Root, name string, slash bool) (int, error) {
	// The hide rules hold for the path a symlink leads to as well:
	// "gitlink/config" with gitlink -> .git is .git/config.
	real := name
	if s.hide.active() {
		var err error
		if real, err = resolvedPath(root, name); err != nil {
			return s.fsError(err)
		}
		if s.hide.hidden(real) {
			return statusHandOn, nil
		}
	}
	f, err := open(root, name)
	if err != nil {
		return s.fsError(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return s.fsError(err)
	}
	if fi.IsDir() {
		return s.serveDir(w, r, root, f, name, real, slash)
	}
	if !fi.Mode().IsRegular() {
		return statusHandOn, nil
	}
	base := path.Base(name)
	if slash {
		// "/a.txt/" names no folder: point the client at the file.
		return localRedirect(w, r, "../"+escapeSegment(base))
	}
	if s.isIndexName(base) {
		// One URL per page: "/docs/index.html" is "/docs/".
		return localRedirect(w, r, "./")
	}
	return s.serveFile(w, r, root, f, fi, name)
}

// open opens a cleaned request path inside the root (os.Root follows a
// symlink only while it stays inside), without blocking on a named pipe.
func open(root *os.Root, name string) (*os.File, error) {
	return root.OpenFile(rootName(name), os.O_RDONLY|openNonblock, 0)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, next httpmw.Handler) (int, error) {
	if next == nil {
		return httpmw.NotFound(w, r)
	}
	return next.ServeHTTP(w, r)
}

// fsError answers a failed filesystem access: what is not there is
// statusHandOn, 403 leaves the path unsaid (the error page is the
// caller's), 500 reports err to the caller.
func (s *Server) fsError(err error) (int, error) {
	switch status := statusForFSError(err); status {
	case http.StatusNotFound:
		return statusHandOn, nil
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
// or nothing. real is the path inside the root that name resolves to.
func (s *Server) serveDir(w http.ResponseWriter, r *http.Request, root *os.Root, dir *os.File, name, real string, slash bool) (int, error) {
	if !slash {
		// Relative links in the folder's page resolve only under "name/".
		return localRedirect(w, r, folderRedirect(r))
	}
	for _, idx := range s.indexNames {
		p := path.Join(real, idx)
		if ok, _ := s.visible(root, p); !ok {
			continue
		}
		f, err := open(root, p)
		if err != nil {
			continue
		}
		fi, err := f.Stat()
		if err == nil && fi.Mode().IsRegular() {
			defer f.Close()
			return s.serveFile(w, r, root, f, fi, p)
		}
		f.Close()
	}
	if !s.listingAllowed(name) {
		if name == "/" && s.cfg.Welcome != nil {
			return s.cfg.Welcome.ServeHTTP(w, r)
		}
		return statusHandOn, nil
	}
	return s.serveListing(w, r, root, dir, name, real)
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

// localRedirect redirects to target, a relative reference whose segments
// are escaped already, so the redirect stays right when the Server is
// mounted under a prefix (http.StripPrefix). The query string is kept.
func localRedirect(w http.ResponseWriter, r *http.Request, target string) (int, error) {
	if q := r.URL.RawQuery; q != "" {
		target += "?" + q
	}
	w.Header().Set("Location", target)
	w.WriteHeader(http.StatusMovedPermanently)
	return http.StatusMovedPermanently, nil
}
