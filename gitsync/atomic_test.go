package gitsync

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// revisionFiles is a site where every file names its revision, each file
// big enough that a reader catching a half-written one would notice.
func revisionFiles(rev, n int) map[string]string {
	files := map[string]string{}
	line := fmt.Sprintf("revision %d\n", rev)
	for i := range n {
		files[fmt.Sprintf("dir%d/file%02d.txt", i%4, i)] = strings.Repeat(line, 500)
	}
	return files
}

// revisionOf returns the single revision a file's content names, or an
// error when it is empty, truncated or mixed.
func revisionOf(content string) (string, error) {
	first, _, ok := strings.Cut(content, "\n")
	if !ok {
		return "", fmt.Errorf("no complete line in %d bytes", len(content))
	}
	if strings.Repeat(first+"\n", 500) != content {
		return "", fmt.Errorf("file mixes revisions or is cut short (%d bytes, starts %q)", len(content), first)
	}
	return first, nil
}

// TestReadersNeverSeeAMix hammers the served folder from several goroutines
// while revisions switch underneath. Two kinds of reader, as a web server
// would read:
//   - per file through the link: every file is whole and of one revision;
//   - per page: resolve the link once, then read every file of that
//     folder: all files agree (the folder is never rewritten in place).
func TestReadersNeverSeeAMix(t *testing.T) {
	const nFiles, nRevisions = 12, 8
	u := newUpstream(t)
	u.commit("main", "rev 0", revisionFiles(0, nFiles))
	s := startSyncer(t, Config{URL: u.fileURL(), Interval: -1})
	// Commit every revision first, so the switching phase is only a push
	// and a sync each.
	var revisions []string
	for rev := 1; rev <= nRevisions; rev++ {
		revisions = append(revisions, u.commit("staging", fmt.Sprintf("rev %d", rev), revisionFiles(rev, nFiles)))
	}

	var (
		stop                 atomic.Bool
		wg                   sync.WaitGroup
		fileReads, pageReads atomic.Int64
		goneFolders          atomic.Int64
		mixMu                sync.Mutex
		mixes                []string
	)
	report := func(format string, args ...any) {
		mixMu.Lock()
		defer mixMu.Unlock()
		if len(mixes) < 10 {
			mixes = append(mixes, fmt.Sprintf(format, args...))
		}
	}
	const readersPerKind = 1 // more only slow the switches down on 2 cores
	for range readersPerKind {
		wg.Add(1)
		go func() { // per file through the link
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				name := fmt.Sprintf("dir%d/file%02d.txt", i%nFiles%4, i%nFiles)
				b, err := os.ReadFile(filepath.Join(s.Dir(), name))
				if err != nil {
					report("read %s through the link: %v", name, err)
					continue
				}
				if _, err := revisionOf(string(b)); err != nil {
					report("%s: %v", name, err)
				}
				fileReads.Add(1)
				runtime.Gosched() // readers share 2 cores with the syncs they test
			}
		}()
		wg.Add(1)
		go func() { // per page: one resolved folder
			defer wg.Done()
			for !stop.Load() {
				dir, err := filepath.EvalSymlinks(s.Dir())
				if err != nil {
					report("resolve link: %v", err)
					continue
				}
				seen := map[string]bool{}
				err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
					if err != nil || d.IsDir() {
						return err
					}
					b, err := os.ReadFile(p)
					if err != nil {
						return err
					}
					rev, err := revisionOf(string(b))
					if err != nil {
						report("%s: %v", p, err)
					}
					seen[rev] = true
					return nil
				})
				if errors.Is(err, fs.ErrNotExist) {
					// The folder was pruned two switches after this reader
					// resolved it: a slow reader gets an error, never a mix.
					goneFolders.Add(1)
					continue
				}
				if err != nil {
					report("walk: %v", err)
				}
				if len(seen) > 1 {
					report("one folder holds %d revisions: %v", len(seen), seen)
				}
				pageReads.Add(1)
				runtime.Gosched()
			}
		}()
	}

	for _, h := range revisions {
		u.run(u.work, "push", "-q", "-f", "origin", h+":refs/heads/main")
		if err := s.Sync(context.Background()); err != nil {
			t.Error(err)
		}
	}
	stop.Store(true)
	wg.Wait()

	for _, m := range mixes {
		t.Error(m)
	}
	if got, want := readServed(t, s, "dir0/file00.txt"), strings.Repeat(fmt.Sprintf("revision %d\n", nRevisions), 500); got != want {
		t.Errorf("last revision not served")
	}
	t.Logf("%d file reads, %d folder reads, %d folders pruned under a slow reader, across %d switches",
		fileReads.Load(), pageReads.Load(), goneFolders.Load(), nRevisions)
	if fileReads.Load() == 0 || pageReads.Load() == 0 {
		t.Fatal("the readers did not run during the switches")
	}
}
