package gitsync

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// fetchTracked fetches the tracked ref and returns its commit, starting the
// store afresh when it is the suspect.
func (s *Syncer) fetchTracked(ctx context.Context, auth transport.AuthMethod) (plumbing.Hash, target, error) {
	if packCount(s.cfg) > maxPacks {
		if err := s.replaceStore(); err != nil {
			return plumbing.ZeroHash, target{}, err
		}
	}
	h, t, err := fetch(ctx, s.repo, s.cfg, auth, s.hasCommit(s.current.hash))
	if err != nil && ctx.Err() == nil && !errors.Is(err, ErrRefNotFound) && s.remoteReachable(ctx, auth) {
		// The remote answers but the fetch failed: the store is the suspect
		// (a half-written pack, a history a force-push made inconsistent).
		// Start it afresh rather than fail the same way forever.
		s.cfg.Logger.Warn("gitsync: fetch failed with the remote up; re-cloning", "err", err)
		if rerr := s.replaceStore(); rerr != nil {
			return h, t, errors.Join(err, rerr)
		}
		h, t, err = fetch(ctx, s.repo, s.cfg, auth, false)
	}
	return h, t, err
}

// deploy checks h out into a fresh folder, runs Then in it, switches the
// link to it only when Then succeeded, and prunes all but it and the
// previous revision. On any failure the folder is removed and the link
// still names the last good revision.
func (s *Syncer) deploy(ctx context.Context, auth transport.AuthMethod, h plumbing.Hash) error {
	name := newWorktreeName(h)
	dir := filepath.Join(s.cfg.Dest, worktreesDir, name)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	var base *linkBase
	// Then may write into any file of the new folder before it goes live;
	// a file hard-linked from the live folder would change there too, so
	// with Then every file is written afresh.
	if s.current.name != "" && len(s.cfg.Then) == 0 {
		base = newLinkBase(s.repo, s.current.hash, filepath.Join(s.cfg.Dest, worktreesDir, s.current.name), s.current.written)
	}
	err := checkout(ctx, s.repo, h, dir, base)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		// An incremental fetch lets the server assume the store has every
		// ancestor of its commits, which a shallow store has not: content
		// restored from before the clone is then missing. Fetch the whole
		// tree again with a fresh shallow clone (go-git skips wanting a
		// commit it has, so a second fetch into this store would not).
		_ = removeAllWritable(dir)
		s.cfg.Logger.Info("gitsync: objects missing after an incremental fetch; re-cloning", "hash", h.String())
		err = s.recloneAndCheckout(ctx, auth, h, dir, base)
	}
	written := time.Now()
	if err == nil {
		err = writeWritten(s.cfg, name, written)
	}
	if err == nil && len(s.cfg.Then) > 0 {
		err = runThen(ctx, s.cfg, dir, h.String())
	}
	if err == nil {
		if err = swapLink(s.cfg, name); err != nil {
			err = fmt.Errorf("gitsync: switch: %w", err)
		}
	}
	if err != nil {
		_ = removeAllWritable(dir)
		_ = os.Remove(filepath.Join(s.cfg.Dest, worktreesDir, name+writtenSuffix))
		return err
	}
	previous := s.current
	s.current = deployed{hash: h, name: name, written: written}
	s.setDeployed(s.current, previous)
	if err := prune(s.cfg, name, previous.name); err != nil {
		s.cfg.Logger.Warn("gitsync: could not remove old revisions", "err", err)
	}
	return nil
}

// replaceStore throws the store away for an empty one.
func (s *Syncer) replaceStore() error {
	closeStore(s.repo)
	repo, err := resetStore(s.cfg)
	if err != nil {
		return err
	}
	s.repo = repo
	return nil
}

// recloneAndCheckout replaces the store with a fresh shallow clone and
// checks h out of it; h must still be what the remote serves.
func (s *Syncer) recloneAndCheckout(ctx context.Context, auth transport.AuthMethod, h plumbing.Hash, dir string, base *linkBase) error {
	if err := s.replaceStore(); err != nil {
		return err
	}
	got, _, err := fetch(ctx, s.repo, s.cfg, auth, false)
	if err != nil {
		return err
	}
	if got != h {
		return fmt.Errorf("gitsync: the remote moved on during the sync (%s, then %s); next sync", h, got)
	}
	return checkout(ctx, s.repo, h, dir, base)
}

// remoteReachable lists the remote's refs: true when it answers.
func (s *Syncer) remoteReachable(ctx context.Context, auth transport.AuthMethod) bool {
	remote, err := s.repo.Remote(remoteName)
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
