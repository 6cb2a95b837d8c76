package gitsync

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"github.com/go-git/go-billy/v5/osfs"
)

// The layout of Dest. Everything but the link is hidden, so a listing of
// Dest shows only the link.
const (
	storeDir     = ".git"
	worktreesDir = ".worktrees"
	remoteName   = "origin"
)

// openStore opens the git store in Dest, or creates it when Dest is absent,
// empty, or holds only what gitsync itself leaves there.
func openStore(cfg Config) (*git.Repository, error) {
	if err := checkDest(cfg); err != nil {
		return nil, err
	}
	gitDir := filepath.Join(cfg.Dest, storeDir)
	if _, err := os.Stat(gitDir); err == nil {
		repo, err := git.Open(newStorage(gitDir), nil)
		if err != nil {
			return nil, fmt.Errorf("%w (%s: %v)", ErrDestNotEmpty, storeDir, err)
		}
		remote, err := repo.Remote(remoteName)
		if err != nil {
			return nil, fmt.Errorf("%w: it has no remote %q", ErrOtherOrigin, remoteName)
		}
		if urls := remote.Config().URLs; len(urls) == 0 || !sameURL(urls[0], cfg.URL) {
			return nil, fmt.Errorf("%w: %s, not %s", ErrOtherOrigin, redactURL(strings.Join(urls, " ")), redactURL(cfg.URL))
		}
		return repo, nil
	}
	return initStore(cfg)
}

// initStore creates an empty bare store with the remote configured.
func initStore(cfg Config) (*git.Repository, error) {
	gitDir := filepath.Join(cfg.Dest, storeDir)
	if err := os.MkdirAll(gitDir, 0o755); err != nil {
		return nil, err
	}
	repo, err := git.Init(newStorage(gitDir), nil)
	if err != nil {
		return nil, fmt.Errorf("gitsync: init store: %w", err)
	}
	_, err = repo.CreateRemote(&config.RemoteConfig{Name: remoteName, URLs: []string{cfg.URL}})
	if err != nil {
		return nil, fmt.Errorf("gitsync: init store: %w", err)
	}
	return repo, nil
}

// resetStore throws the store away and starts a fresh one: the way out when
// it is damaged (an interrupted fetch, a shallow history a force-push made
// inconsistent). Deployed revisions are untouched.
func resetStore(cfg Config) (*git.Repository, error) {
	if err := os.RemoveAll(filepath.Join(cfg.Dest, storeDir)); err != nil {
		return nil, err
	}
	return initStore(cfg)
}

// newStorage keeps pack files open between object reads (reopening the
// pack per blob dominated a checkout); syncLocked closes them after each
// sync, so no descriptor stays open between syncs.
func newStorage(gitDir string) *filesystem.Storage {
	return filesystem.NewStorageWithOptions(osfs.New(gitDir), cache.NewObjectLRUDefault(), filesystem.Options{KeepDescriptors: true})
}

// checkDest refuses a Dest that holds someone else's files.
func checkDest(cfg Config) error {
	fi, err := os.Lstat(cfg.Dest)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(cfg.Dest, 0o755)
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: it is not a folder", ErrDestNotEmpty)
	}
	entries, err := os.ReadDir(cfg.Dest)
	if err != nil {
		return err
	}
	for _, e := range entries {
		switch name := e.Name(); {
		case name == storeDir:
			return nil // an existing repository: openStore checks its origin
		case name == worktreesDir, isTempLink(name, cfg.Link):
		case name == cfg.Link && e.Type()&os.ModeSymlink != 0:
		default:
			return ErrDestNotEmpty
		}
	}
	return nil
}

// sameURL compares remote URLs loosely: a trailing slash or ".git" does not
// make another repository.
func sameURL(a, b string) bool {
	norm := func(s string) string {
		s = strings.TrimRight(s, "/")
		return strings.TrimSuffix(s, ".git")
	}
	return norm(a) == norm(b)
}

// closeStore releases the pack files newStorage keeps open; the store opens
// them again on its next read.
func closeStore(repo *git.Repository) {
	if c, ok := repo.Storer.(io.Closer); ok {
		_ = c.Close()
	}
}

// maxPacks bounds the store: each fetch adds a pack and go-git never
// repacks, so past this many a sync starts from a fresh shallow clone.
const maxPacks = 50

// packCount is the number of pack files in the store.
func packCount(cfg Config) int {
	m, _ := filepath.Glob(filepath.Join(cfg.Dest, storeDir, "objects", "pack", "*.pack"))
	return len(m)
}
