package browse

import (
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// tree is one opened revision of the served folder: the os.Root that every
// access of a request goes through, from its first open to its last stat,
// so that a request never mixes two revisions.
type tree struct {
	root *os.Root
	id   folderID // the folder itself
	// refs counts the Server's reference (while the tree is current) and
	// one per request using it. It never rises again from 0: at 0 the root
	// is closed.
	refs atomic.Int64
}

// openTree opens dir; a dir that opens but is not a folder is ErrNotFolder.
func openTree(dir string) (*tree, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	fi, err := root.Stat(".")
	if err != nil || !fi.IsDir() {
		root.Close()
		return nil, ErrNotFolder
	}
	t := &tree{root: root, id: folderIDOf(fi)}
	t.refs.Store(1)
	return t, nil
}

// release drops one reference, closing the root with the last one.
func (t *tree) release() {
	if t.refs.Add(-1) == 0 {
		t.root.Close()
	}
}

// retryFailedOpen is how long a revision that could not be opened (no file
// descriptors, a link to a file) is served around before trying it again,
// so that a broken target costs a stat per request, not an open.
const retryFailedOpen = time.Second

// follower makes a Server whose Config.Root is or goes through a symlink
// notice that the path now names another folder, as when a deploy tool
// replaces the link with rename(2) (gitsync's Dest/current). Each request
// stats the path once (about a microsecond): the kernel resolves every
// link on it, and a folder other than the current tree's means a new
// revision to open.
type follower struct {
	path string // Config.Root made absolute, so a later Chdir changes nothing

	mu       sync.Mutex // guards what follows and serializes reopening
	closed   bool
	failed   folderID  // the target that last failed to open
	failedAt time.Time // zero: none failed
}

// acquire returns the tree a request uses for its whole life, with a
// reference the caller releases, or nil once the Server is closed.
func (s *Server) acquire() *tree {
	if s.follow != nil {
		s.refresh()
	}
	for {
		t := s.cur.Load()
		if t == nil {
			return nil
		}
		// A count of 0 means the tree was replaced (cur is stored before
		// the old tree's reference is dropped) and closed: load again.
		if n := t.refs.Load(); n > 0 && t.refs.CompareAndSwap(n, n+1) {
			return t
		}
	}
}

// refresh opens the folder Config.Root names now if it is not the current
// tree. A path that cannot be stat'ed (a link being replaced by hand, not
// by rename) leaves the current tree served.
func (s *Server) refresh() {
	id, err := statFolderID(s.follow.path)
	if err != nil {
		return
	}
	if t := s.cur.Load(); t == nil || id.same(t.id) {
		return
	}
	s.reopen(id)
}

// reopen replaces the current tree with one opened on the follower's
// path, which was just seen to name the folder seen. Requests still using
// the old tree keep it until they finish; the last one closes it.
func (s *Server) reopen(seen folderID) {
	f := s.follow
	f.mu.Lock()
	defer f.mu.Unlock()
	old := s.cur.Load()
	if f.closed || old == nil || seen.same(old.id) {
		return // closed, or another request has just reopened
	}
	if !f.failedAt.IsZero() && seen.same(f.failed) && time.Since(f.failedAt) < retryFailedOpen {
		return
	}
	t, err := openTree(f.path)
	if err != nil {
		f.failed, f.failedAt = seen, time.Now()
		return
	}
	f.failedAt = time.Time{}
	if t.id.same(old.id) {
		t.release() // the link went back between the stat and the open
		return
	}
	s.cur.Store(t)
	old.release()
}
