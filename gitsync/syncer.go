package gitsync

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// Syncer keeps one repository deployed under Config.Dest. Its methods are
// safe for concurrent use.
type Syncer struct {
	cfg     Config
	kick    chan struct{}   // capacity 1: bursts of webhooks coalesce into one sync
	closing context.Context // done once Close is called
	close   context.CancelFunc

	mu      sync.Mutex // guards closed, started, wg.Add and status
	closed  bool
	started bool
	looping bool           // the loop runs: triggers will be served
	wg      sync.WaitGroup // the loop and every Sync in flight
	status  Status
	lastErr error // the error behind status.LastError

	syncMu  sync.Mutex // one sync at a time; guards repo and current
	repo    *git.Repository
	current deployed
}

// New checks cfg and returns a Syncer that has not touched the disk or the
// network yet; call Start (or Sync) to clone.
func New(cfg Config) (*Syncer, error) {
	cfg, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	closing, close := context.WithCancel(context.Background())
	return &Syncer{cfg: cfg, kick: make(chan struct{}, 1), closing: closing, close: close}, nil
}

// Dir is the path to serve: the symlink that always points at one complete
// revision.
func (s *Syncer) Dir() string { return filepath.Join(s.cfg.Dest, s.cfg.Link) }

// Start clones (or reuses the clone in Dest), deploys the tracked revision,
// and then keeps it current in the background: every Interval, and whenever
// the webhook fires. It returns the first sync's error, in which case
// nothing runs in the background. The background work stops when ctx ends
// or Close is called.
func (s *Syncer) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("gitsync: Start called twice")
	}
	s.started = true
	s.mu.Unlock()

	if err := s.Sync(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.wg.Add(1)
	s.looping = true
	go s.loop(ctx)
	return nil
}

// Close stops the background loop, interrupts a sync or Then in flight, and
// waits for them to return. The deployed revision stays on disk.
func (s *Syncer) Close() error {
	s.mu.Lock()
	s.closed = true
	s.close()
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// Sync fetches now and switches to the tracked revision if it changed,
// running Then after a switch. It returns when done; a Then failure is
// returned (wrapping ErrThen) after the switch happened.
func (s *Syncer) Sync(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.closing, cancel)() // Close interrupts a sync

	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	err := s.syncLocked(ctx)
	s.record(err)
	if s.cfg.OnSync != nil {
		s.cfg.OnSync(s.Status(), err)
	}
	return err
}

// trigger asks the loop for a sync soon, without waiting. Calls while one
// is pending are absorbed.
func (s *Syncer) trigger() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// loop polls on the interval, serves triggers, and backs off after failures.
func (s *Syncer) loop(ctx context.Context) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		s.looping = false
		s.mu.Unlock()
	}()
	failures := 0
	for {
		var wait <-chan time.Time
		switch {
		case failures > 0:
			wait = time.After(s.backoff(failures))
		case s.cfg.Interval > 0:
			wait = time.After(s.cfg.Interval)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.closing.Done():
			return
		case <-wait:
		case <-s.kick:
		}
		err := s.Sync(ctx)
		switch {
		case errors.Is(err, ErrClosed) || ctx.Err() != nil:
			return
		case err != nil && !errors.Is(err, ErrThen):
			failures++
			s.cfg.Logger.Warn("gitsync: sync failed; serving the last good revision",
				"url", redactURL(s.cfg.URL), "err", err, "failures", failures, "retry_in", s.backoff(failures))
		default:
			failures = 0
		}
	}
}

// backoff is RetryMin doubled per consecutive failure, capped at RetryMax,
// with up to 20% jitter so many instances do not hammer a recovering remote
// in step.
func (s *Syncer) backoff(failures int) time.Duration {
	d := s.cfg.RetryMin
	for i := 1; i < failures && d < s.cfg.RetryMax; i++ {
		d *= 2
	}
	d = min(d, s.cfg.RetryMax)
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}

// syncLocked is one sync; s.syncMu is held.
func (s *Syncer) syncLocked(ctx context.Context) error {
	if s.repo == nil {
		repo, err := openStore(s.cfg)
		if err != nil {
			return err
		}
		s.repo = repo
		s.current = readLink(s.cfg)
		if s.current.name != "" {
			s.setDeployed(s.current, deployed{}) // a restart: still served
		}
	}
	defer func() { closeStore(s.repo) }()
	auth, err := authMethod(s.cfg)
	if err != nil {
		return err
	}
	if packCount(s.cfg) > maxPacks {
		closeStore(s.repo)
		repo, err := resetStore(s.cfg)
		if err != nil {
			return err
		}
		s.repo = repo
	}
	began := time.Now()
	h, t, err := fetch(ctx, s.repo, s.cfg, auth, s.hasCommit(s.current.hash))
	if err != nil && ctx.Err() == nil && !errors.Is(err, ErrRefNotFound) && s.remoteReachable(ctx) {
		// The remote answers but the fetch failed: the store is the suspect
		// (a shallow history a force-push rewrote, a half-written pack).
		// Start it afresh rather than fail the same way forever.
		s.cfg.Logger.Warn("gitsync: fetch failed with the remote up; re-cloning", "err", err)
		closeStore(s.repo)
		repo, rerr := resetStore(s.cfg)
		if rerr != nil {
			return errors.Join(err, rerr)
		}
		s.repo = repo
		h, t, err = fetch(ctx, s.repo, s.cfg, auth, false)
	}
	if err != nil {
		return err
	}
	s.setRef(t.remote.String())
	if h == s.current.hash {
		return nil
	}

	fetched := time.Now()
	name := newWorktreeName(h)
	dir := filepath.Join(s.cfg.Dest, worktreesDir, name)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	var base *linkBase
	if s.current.name != "" {
		base = newLinkBase(s.repo, s.current.hash, filepath.Join(s.cfg.Dest, worktreesDir, s.current.name), s.current.written)
	}
	err = checkout(ctx, s.repo, h, dir, base)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		// An incremental fetch lets the server assume the store has every
		// ancestor of its commits, which a shallow store has not: content
		// restored from before the clone is then missing. Fetch the whole
		// tree again with a fresh shallow clone (go-git skips wanting a
		// commit it has, so a second fetch into this store would not).
		_ = removeAllWritable(dir)
		s.cfg.Logger.Info("gitsync: objects missing after an incremental fetch; re-cloning", "hash", h.String())
		err = s.reclone(ctx, auth, h, dir, base)
	}
	if err != nil {
		_ = removeAllWritable(dir)
		return err
	}
	written := time.Now()
	if err := writeWritten(s.cfg, name, written); err != nil {
		_ = removeAllWritable(dir)
		return err
	}
	if err := swapLink(s.cfg, name); err != nil {
		_ = removeAllWritable(dir)
		return fmt.Errorf("gitsync: switch: %w", err)
	}
	previous := s.current
	s.current = deployed{hash: h, name: name, written: written}
	s.setDeployed(s.current, previous)
	s.cfg.Logger.Info("gitsync: deployed", "url", redactURL(s.cfg.URL), "ref", t.remote.Short(), "hash", h.String(),
		"previous", previous.hash.String(), "fetch", fetched.Sub(began), "checkout", time.Since(fetched))
	if err := prune(s.cfg, name, previous.name); err != nil {
		s.cfg.Logger.Warn("gitsync: could not remove old revisions", "err", err)
	}
	if len(s.cfg.Then) > 0 {
		return runThen(ctx, s.cfg, dir, h.String())
	}
	return nil
}

// remoteReachable lists the remote's refs: true when it answers.
func (s *Syncer) remoteReachable(ctx context.Context) bool {
	remote, err := s.repo.Remote(remoteName)
	if err != nil {
		return false
	}
	auth, err := authMethod(s.cfg)
	if err != nil {
		return false
	}
	_, err = remote.ListContext(ctx, &git.ListOptions{Auth: auth})
	return err == nil
}

// hasCommit reports whether the store holds commit h: then a fetch only
// needs what is new since it.
func (s *Syncer) hasCommit(h plumbing.Hash) bool {
	if h.IsZero() {
		return false
	}
	_, err := object.GetCommit(s.repo.Storer, h)
	return err == nil
}

// reclone replaces the store with a fresh shallow clone and checks h out
// of it; h must still be what the remote serves.
func (s *Syncer) reclone(ctx context.Context, auth transport.AuthMethod, h plumbing.Hash, dir string, base *linkBase) error {
	closeStore(s.repo)
	repo, err := resetStore(s.cfg)
	if err != nil {
		return err
	}
	s.repo = repo
	got, _, err := fetch(ctx, s.repo, s.cfg, auth, false)
	if err != nil {
		return err
	}
	if got != h {
		return fmt.Errorf("gitsync: the remote moved on during the sync (%s, then %s); next sync", h, got)
	}
	return checkout(ctx, s.repo, h, dir, base)
}
