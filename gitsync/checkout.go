package gitsync

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// checkout writes the tree of commit h into dir, which must not exist yet.
//
// It does not use go-git's Worktree: that keeps one index in the store and
// updates a folder in place, which is what the atomic switch avoids. A fresh
// folder per revision holds exactly the tracked files, with no .git inside
// (nothing of the store can be served), and local edits to an older folder
// cannot get in the way. Every write goes through an os.Root, so a hostile
// tree (a symlink named like a folder, "..") cannot write outside dir.
func checkout(ctx context.Context, repo *git.Repository, h plumbing.Hash, dir string) error {
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
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()

	w := object.NewTreeWalker(tree, true, nil)
	defer w.Close()
	buf := bufio.NewWriterSize(nil, 64<<10)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		name, entry, err := w.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("gitsync: checkout %s: %w", h, err)
		}
		if !safeTreePath(name) {
			return fmt.Errorf("gitsync: checkout %s: refusing tree path %q", h, name)
		}
		if err := writeEntry(repo, root, name, entry, buf); err != nil {
			return fmt.Errorf("gitsync: checkout %s: %s: %w", h, name, err)
		}
	}
}

func writeEntry(repo *git.Repository, root *os.Root, name string, e object.TreeEntry, buf *bufio.Writer) error {
	switch e.Mode {
	case filemode.Dir, filemode.Submodule:
		// Submodules are not fetched; their folder stays empty, as in a
		// git clone without --recurse-submodules.
		return root.Mkdir(name, 0o755)
	case filemode.Symlink:
		target, err := readBlob(repo, e.Hash)
		if err != nil {
			return err
		}
		return root.Symlink(string(target), name)
	case filemode.Regular, filemode.Deprecated, filemode.Executable:
		perm := os.FileMode(0o644)
		if e.Mode == filemode.Executable {
			perm = 0o755
		}
		blob, err := repo.BlobObject(e.Hash)
		if err != nil {
			return err
		}
		r, err := blob.Reader()
		if err != nil {
			return err
		}
		defer r.Close()
		f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if err != nil {
			return err
		}
		buf.Reset(f)
		_, err = io.Copy(buf, r)
		if err == nil {
			err = buf.Flush()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	default:
		return fmt.Errorf("unsupported file mode %v", e.Mode)
	}
}

func readBlob(repo *git.Repository, h plumbing.Hash) ([]byte, error) {
	blob, err := repo.BlobObject(h)
	if err != nil {
		return nil, err
	}
	if blob.Size > 4096 {
		return nil, fmt.Errorf("symlink target of %d bytes", blob.Size)
	}
	r, err := blob.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
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
