package caddyfile

import (
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/httpmw/httpmw/browse"
	"github.com/httpmw/httpmw/gitsync"
)

// liveFiles is the file server of a site whose root is a git deployment.
// browse opens its folder once (an os.Root), so it would keep serving the
// first revision; liveFiles opens a new browse.Server on each new revision
// and swaps it in. The server it replaces is closed one revision later, so
// requests still running on it finish.
type liveFiles struct {
	mu       sync.Mutex
	cfg      browse.Config // Root is replaced by each revision's folder
	ready    bool          // cfg is final; before, deploys only record dir
	closed   bool
	dir      string // folder of the revision deployed last
	revision string
	cur      atomic.Pointer[browse.Server]
	prev     *browse.Server
}

// onSync is gitsync's OnSync hook.
func (l *liveFiles) onSync(st gitsync.Status, err error) {
	if st.Revision == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || st.Revision == l.revision {
		return
	}
	l.revision, l.dir = st.Revision, st.Dir
	if l.ready {
		l.swap()
	}
}

// start makes cfg final and opens the revision deployed by the first sync.
func (l *liveFiles) start(cfg browse.Config) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cfg, l.ready = cfg, true
	c := l.cfg
	c.Root = l.dir
	s, err := browse.New(c)
	if err != nil {
		return err
	}
	l.cur.Store(s)
	return nil
}

// swap opens the new revision; on failure the old one stays served.
func (l *liveFiles) swap() {
	c := l.cfg
	c.Root = l.dir
	s, err := browse.New(c)
	if err != nil {
		slog.Default().Error("caddyfile: git: cannot serve the new revision; the previous one stays", "revision", l.revision, "err", err)
		return
	}
	old := l.cur.Swap(s)
	if l.prev != nil {
		l.prev.Close()
	}
	l.prev = old
}

func (l *liveFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) (int, error) {
	return l.cur.Load().ServeHTTP(w, r)
}

// Close closes the servers; later deploys open nothing.
func (l *liveFiles) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if s := l.cur.Load(); s != nil {
		s.Close()
	}
	if l.prev != nil {
		l.prev.Close()
	}
	return nil
}
