package gitsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

const (
	// checkoutWriters write files while the walking goroutine decodes the
	// next blobs (go-git storage is not safe for concurrent use, so one
	// goroutine reads). More writers were measured to cost more CPU, not
	// less time: file creation in one folder serializes in the kernel.
	checkoutWriters = 1
	// inlineLimit: blobs above it are streamed by the reading goroutine
	// instead of being held in memory for a writer.
	inlineLimit = 1 << 20
)

// checkout writes the tree of commit h into dir, which must not exist yet.
//
// It does not use go-git's Worktree: that keeps one index in the store and
// updates a folder in place, which is what the atomic switch avoids. A fresh
// folder per revision holds exactly the tracked files, with no .git inside
// (nothing of the store can be served), and local edits to an older folder
// cannot get in the way.
//
// A hostile tree cannot write outside dir: names are checked like git
// does (no "..", no ".git", no absolute paths), every file and link is
// created with O_EXCL semantics (never through an existing symlink), and a
// file is only written into a folder this checkout created itself.
//
// With base set, files that did not change since base's revision are hard
// links to base's copies rather than new files, the way an incremental
// update stays cheap. A base file is only reused if nobody touched it
// after base was written (its modification time and permissions are still
// ours); anything else is written afresh, so a local edit never carries
// over. The price: unchanged files are shared by both folders, so editing
// one in place shows in the other too.
func checkout(ctx context.Context, repo *git.Repository, h plumbing.Hash, dir string, base *linkBase) error {
	commit, err := object.GetCommit(repo.Storer, h)
	if err != nil {
		return fmt.Errorf("gitsync: checkout %s: %w", h, err)
	}
	tree, err := commit.Tree()
	if err != nil {
		return fmt.Errorf("gitsync: checkout %s: %w", h, err)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jobs := make(chan fileJob, 64)
	var wg sync.WaitGroup
	for range checkoutWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if err := writeFile(j.path, j.perm, j.data); err != nil {
					cancel(fmt.Errorf("%s: %w", j.name, err))
				}
			}
		}()
	}
	err = walkTree(ctx, repo, tree, dir, base, jobs)
	close(jobs)
	wg.Wait()
	if err == nil {
		err = context.Cause(ctx)
	}
	if err != nil {
		return fmt.Errorf("gitsync: checkout %s: %w", h, err)
	}
	return nil
}

// fileJob is one small file for a writer.
type fileJob struct {
	name string // in the tree, for errors
	path string
	perm os.FileMode
	data []byte
}

// walkTree creates folders and symlinks itself and hands files to jobs.
func walkTree(ctx context.Context, repo *git.Repository, tree *object.Tree, dir string, base *linkBase, jobs chan<- fileJob) error {
	created := map[string]bool{".": true}
	w := object.NewTreeWalker(tree, true, nil)
	defer w.Close()
	for {
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		name, e, err := w.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if !safeTreePath(name) {
			return fmt.Errorf("refusing tree path %q", name)
		}
		if !created[path.Dir(name)] {
			return fmt.Errorf("refusing tree path %q: its folder is not a folder of the tree", name)
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		switch e.Mode {
		case filemode.Dir, filemode.Submodule:
			// Submodules are not fetched; their folder stays empty, as in
			// a git clone without --recurse-submodules.
			if err := os.Mkdir(p, 0o755); err != nil {
				return err
			}
			created[name] = e.Mode == filemode.Dir
		case filemode.Symlink:
			blob, err := repo.BlobObject(e.Hash)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			target, err := readBlob(blob, 4096)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if err := os.Symlink(string(target), p); err != nil {
				return err
			}
		case filemode.Regular, filemode.Deprecated, filemode.Executable:
			perm := os.FileMode(0o644)
			if e.Mode == filemode.Executable {
				perm = 0o755
			}
			if base.link(name, e, perm, p) {
				continue
			}
			blob, err := repo.BlobObject(e.Hash)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if blob.Size > inlineLimit {
				if err := streamFile(p, perm, blob); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				continue
			}
			data, err := readBlob(blob, inlineLimit)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			select {
			case jobs <- fileJob{name: name, path: p, perm: perm, data: data}:
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		default:
			return fmt.Errorf("%s: unsupported file mode %v", name, e.Mode)
		}
	}
}

// mtimeSlack covers the kernel's coarse file clock, which can stamp an
// edit made just after a checkout with a time slightly before its end.
// Files written in the last moments of a checkout are simply not reused.
const mtimeSlack = 50 * time.Millisecond

// linkBase is the previous revision's folder, whose unchanged files a
// checkout may hard-link.
type linkBase struct {
	dir     string
	files   map[string]object.TreeEntry // by path in the tree
	written time.Time                   // when gitsync finished writing dir
}

// newLinkBase lists the files of commit h, checked out in dir and finished
// at written. It returns nil (no reuse) when anything is missing, such as
// the old commit after a re-clone.
func newLinkBase(repo *git.Repository, h plumbing.Hash, dir string, written time.Time) *linkBase {
	if written.IsZero() {
		return nil // not written by this process: no way to tell local edits
	}
	commit, err := object.GetCommit(repo.Storer, h)
	if err != nil {
		return nil
	}
	tree, err := commit.Tree()
	if err != nil {
		return nil
	}
	b := &linkBase{dir: dir, files: map[string]object.TreeEntry{}, written: written}
	w := object.NewTreeWalker(tree, true, nil)
	defer w.Close()
	for {
		name, e, err := w.Next()
		if errors.Is(err, io.EOF) {
			return b
		}
		if err != nil {
			return nil
		}
		if e.Mode.IsFile() && e.Mode != filemode.Symlink {
			b.files[name] = e
		}
	}
}

// link makes p a hard link to the base's copy of name when that copy holds
// the same blob and is untouched since gitsync wrote it.
func (b *linkBase) link(name string, e object.TreeEntry, perm os.FileMode, p string) bool {
	if b == nil {
		return false
	}
	old, ok := b.files[name]
	if !ok || old.Hash != e.Hash || old.Mode != e.Mode {
		return false
	}
	src := filepath.Join(b.dir, filepath.FromSlash(name))
	fi, err := os.Lstat(src)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != perm || !fi.ModTime().Before(b.written.Add(-mtimeSlack)) {
		return false
	}
	return os.Link(src, p) == nil
}

// createFlags never follow or reuse an existing name.
const createFlags = os.O_WRONLY | os.O_CREATE | os.O_EXCL

func writeFile(p string, perm os.FileMode, data []byte) error {
	f, err := os.OpenFile(p, createFlags, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func streamFile(p string, perm os.FileMode, blob *object.Blob) error {
	r, err := blob.Reader()
	if err != nil {
		return err
	}
	defer r.Close()
	f, err := os.OpenFile(p, createFlags, perm)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func readBlob(blob *object.Blob, limit int64) ([]byte, error) {
	if blob.Size > limit {
		return nil, fmt.Errorf("blob of %d bytes, over %d", blob.Size, limit)
	}
	r, err := blob.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	buf := make([]byte, blob.Size)
	_, err = io.ReadFull(r, buf)
	return buf, err
}

// safeTreePath rejects the names git itself refuses to check out.
func safeTreePath(name string) bool {
	if name == "" || path.IsAbs(name) || strings.Contains(name, "\\") || strings.ContainsRune(name, 0) {
		return false
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" || part == "." || part == ".." || strings.EqualFold(part, ".git") {
			return false
		}
	}
	return true
}
