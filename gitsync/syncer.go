package gitsync

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"time"

	git "github.com/go-git/go-git/v5"
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
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	closing, close := context.WithCancel(context.Background())
	return &Syncer{cfg: cfg, kick: make(chan struct{}, 1), closing: closing, close: close}, nil
}

// Dir is the path to serve: the symlink that always points at one complete
// revision.
func (s *Syncer) Dir() string { return filepath.Join(s.cfg.Dest, s.cfg.Link) }

// Start opens Dest and keeps the tracked revision deployed in the
// background: every Interval, whenever the webhook fires, and with backoff
// (RetryMin to RetryMax) after a failed sync. The background work stops
// when ctx ends or Close is called.
//
// When Dest already holds a deployed revision (a restart), Start returns
// at once, without touching the network: that revision is served while the
// first sync runs in the background, so a remote that is down, or a Then
// that fails, does not keep the site from starting. The failure shows in
// Status, Err, StatusHandler and the log, and is retried until it heals.
//
// When nothing is deployed yet, Start clones and deploys before it
// returns, and returns that first sync's error: then nothing runs in the
// background and Start may be called again.
func (s *Syncer) Start(ctx context.Context) error {
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return ErrClosed
	case s.started:
		s.mu.Unlock()
		return errors.New("gitsync: Start called twice")
	}
	s.started = true
	s.mu.Unlock()

	deployed, err := s.open()
	if err == nil && !deployed {
		err = s.Sync(ctx)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil && s.closed {
		err = ErrClosed
	}
	if err != nil {
		s.started = false // nothing runs; a later Start tries again
		return err
	}
	if deployed {
		s.cfg.Logger.Info("gitsync: serving the deployed revision; syncing in the background",
			"url", redactURL(s.cfg.URL), "revision", s.status.Revision)
		s.trigger() // the loop's first sync, at once
	}
	s.wg.Add(1)
	s.looping = true
	go s.loop(ctx)
	return nil
}

// open opens the store in Dest and reads which revision is deployed,
// without the network. It reports whether one is.
func (s *Syncer) open() (bool, error) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	if err := s.openLocked(); err != nil {
		return false, err
	}
	return s.current.name != "", nil
}

// openLocked opens the store once; s.syncMu is held.
func (s *Syncer) openLocked() error {
	if s.repo != nil {
		return nil
	}
	repo, err := openStore(s.cfg)
	if err != nil {
		return err
	}
	closeStore(repo)
	s.repo = repo
	s.current = readLink(s.cfg)
	if s.current.name != "" {
		s.setDeployed(s.current, deployed{}) // a restart: still served
	}
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

// Sync fetches now and, if the tracked revision changed, checks it out,
// runs Then in it and switches to it. It returns when done. A Then failure
// is returned (wrapping ErrThen) and leaves the previous revision served;
// the next sync tries the new one again.
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
		case err != nil:
			// A failed Then too: its revision is not live, so it is
			// retried, on the same backoff as a failed fetch.
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
	if err := s.openLocked(); err != nil {
		return err
	}
	defer func() { closeStore(s.repo) }()
	auth, err := authMethod(s.cfg)
	if err != nil {
		return err
	}
	began := time.Now()
	h, t, err := s.fetchTracked(ctx, auth)
	if err != nil {
		return err
	}
	s.setRef(t.remote.String())
	if h == s.current.hash {
		return nil
	}
	fetched := time.Now()
	if err := s.deploy(ctx, auth, h); err != nil {
		return err
	}
	s.cfg.Logger.Info("gitsync: deployed", "url", redactURL(s.cfg.URL), "ref", t.remote.Short(), "hash", h.String(),
		"previous", s.Status().Previous, "fetch", fetched.Sub(began), "deploy", time.Since(fetched))
	return nil
}
