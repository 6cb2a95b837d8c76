package gitsync

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// deployed is a revision checked out under Dest/.worktrees.
type deployed struct {
	hash    plumbing.Hash
	name    string    // folder name under .worktrees; "" when nothing is deployed
	written time.Time // when this process finished writing it; zero if another did
}

// newWorktreeName is unique even when a revision comes back (a force-push
// undone): a folder is never written twice, so nobody reads one mid-write.
func newWorktreeName(h plumbing.Hash) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return h.String() + "-" + hex.EncodeToString(b[:])
}

func parseWorktreeName(name string) (plumbing.Hash, bool) {
	hash, _, ok := strings.Cut(name, "-")
	if !ok || !plumbing.IsHash(hash) {
		return plumbing.ZeroHash, false
	}
	return plumbing.NewHash(hash), true
}

// readLink returns what Dest/<Link> points at now.
func readLink(cfg Config) deployed {
	target, err := os.Readlink(filepath.Join(cfg.Dest, cfg.Link))
	if err != nil {
		return deployed{}
	}
	dir, name := filepath.Split(target)
	if filepath.Clean(dir) != worktreesDir {
		return deployed{}
	}
	h, ok := parseWorktreeName(name)
	if !ok {
		return deployed{}
	}
	if _, err := os.Stat(filepath.Join(cfg.Dest, worktreesDir, name)); err != nil {
		return deployed{}
	}
	return deployed{hash: h, name: name, written: readWritten(cfg, name)}
}

// The time a worktree folder was finished is kept beside it (outside what
// is served), so hard-linking unchanged files survives a restart.
const writtenSuffix = ".written"

func writeWritten(cfg Config, name string, t time.Time) error {
	return os.WriteFile(filepath.Join(cfg.Dest, worktreesDir, name+writtenSuffix), []byte(t.UTC().Format(time.RFC3339Nano)), 0o644)
}

func readWritten(cfg Config, name string) time.Time {
	b, err := os.ReadFile(filepath.Join(cfg.Dest, worktreesDir, name+writtenSuffix))
	if err != nil {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(b)))
	if err != nil {
		return time.Time{}
	}
	return t
}

// swapLink points Dest/<Link> at .worktrees/<name> in one rename(2): a
// reader resolves either the old folder or the new one, never a mix or
// nothing. The link is relative, so Dest can be moved or bind-mounted.
func swapLink(cfg Config, name string) error {
	tmp := filepath.Join(cfg.Dest, tempLinkPrefix(cfg.Link)+name)
	_ = os.Remove(tmp) // left by a crash between the two calls below
	if err := os.Symlink(filepath.Join(worktreesDir, name), tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(cfg.Dest, cfg.Link)); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return syncDir(cfg.Dest)
}

func tempLinkPrefix(link string) string { return "." + link + ".tmp-" }

func isTempLink(name, link string) bool { return strings.HasPrefix(name, tempLinkPrefix(link)) }

// syncDir makes a rename durable across a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// prune removes every worktree folder but the ones kept (the current
// revision and the previous one, for rollback).
func prune(cfg Config, keep ...string) error {
	dir := filepath.Join(cfg.Dest, worktreesDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		kept := false
		for _, k := range keep {
			kept = kept || (k != "" && (e.Name() == k || e.Name() == k+writtenSuffix))
		}
		if !kept {
			errs = append(errs, removeAllWritable(filepath.Join(dir, e.Name())))
		}
	}
	return errors.Join(errs...)
}

// removeAllWritable is os.RemoveAll that first restores write permission on
// folders, so a local "chmod -w" inside an old checkout cannot wedge pruning.
func removeAllWritable(p string) error {
	if err := os.RemoveAll(p); err == nil {
		return nil
	}
	_ = filepath.WalkDir(p, func(q string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(q, 0o755)
		}
		return nil
	})
	return os.RemoveAll(p)
}
