package gitsync

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// transports serves the same upstream over every protocol a user would
// point gitsync at, each with the real git server side.
func transports(t *testing.T, u *upstream) map[string]string {
	daemonURL := serveGitDaemon(t, u.root).URL("site.git")
	web := serveGitHTTP(t, u.root)
	return map[string]string{
		"file": u.fileURL(),
		"git":  daemonURL,
		"http": web.URL + "/site.git",
	}
}

func TestCloneAndUpdateOverEachTransport(t *testing.T) {
	u := newUpstream(t)
	first := u.commit("main", "one", map[string]string{"index.html": "v1", "css/site.css": "body{}"})
	for name, url := range transports(t, u) {
		t.Run(name, func(t *testing.T) {
			s := startSyncer(t, Config{URL: url, Interval: -1})
			if got := readServed(t, s, "index.html"); got != "v1" {
				t.Fatalf("index.html = %q, want v1", got)
			}
			if got := readServed(t, s, "css/site.css"); got != "body{}" {
				t.Fatalf("css/site.css = %q", got)
			}
			if st := s.Status(); st.Revision != first || st.Ref != "refs/heads/main" || st.LastError != "" {
				t.Fatalf("status after clone = %+v, want revision %s", st, first)
			}
			// Nothing of the store is reachable from the served folder.
			if _, err := os.Stat(filepath.Join(s.Dir(), ".git")); !os.IsNotExist(err) {
				t.Fatalf("served folder has a .git: %v", err)
			}
		})
	}
	u.commit("main", "two", map[string]string{"index.html": "v2", "css/site.css": ""})
	for name, url := range transports(t, u) {
		t.Run(name+"/incremental", func(t *testing.T) {
			s := startSyncer(t, Config{URL: url, Interval: -1, Branch: "main"})
			second := s.Status().Revision
			third := u.commit("main", "three-"+name, map[string]string{"index.html": "v3-" + name})
			if err := s.Sync(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := readServed(t, s, "index.html"); got != "v3-"+name {
				t.Fatalf("index.html = %q after sync", got)
			}
			if _, err := os.Stat(filepath.Join(s.Dir(), "css/site.css")); !os.IsNotExist(err) {
				t.Fatal("a file deleted upstream is still served")
			}
			st := s.Status()
			if st.Revision != third || st.Previous != second || st.Ref != "refs/heads/main" {
				t.Fatalf("status = %+v, want revision %s previous %s", st, third, second)
			}
		})
	}
}

func TestIntervalPollingPicksUpCommit(t *testing.T) {
	u := newUpstream(t)
	u.commit("main", "one", map[string]string{"index.html": "v1"})
	onSync, events := syncEvents()
	s := startSyncer(t, Config{URL: u.fileURL(), Interval: 20 * time.Millisecond, OnSync: onSync})
	want := u.commit("main", "two", map[string]string{"index.html": "v2"})
	waitSync(t, events, func(ev syncEvent) bool { return ev.st.Revision == want })
	if got := readServed(t, s, "index.html"); got != "v2" {
		t.Fatalf("index.html = %q, want v2", got)
	}
}

func TestForcePush(t *testing.T) {
	u := newUpstream(t)
	u.commit("main", "one", map[string]string{"a.txt": "1"})
	before := u.commit("main", "two", map[string]string{"a.txt": "2"})
	s := startSyncer(t, Config{URL: u.fileURL(), Interval: -1, Branch: "main"})

	// Rewrite history: drop "two", commit something else on "one".
	u.run(u.work, "reset", "-q", "--hard", "HEAD~1")
	rewritten := u.commit("main", "two, rewritten", map[string]string{"a.txt": "2b"})
	if err := s.Sync(context.Background()); err != nil {
		t.Fatalf("sync after force-push: %v", err)
	}
	if got := readServed(t, s, "a.txt"); got != "2b" || s.Status().Revision != rewritten {
		t.Fatalf("after force-push: a.txt = %q, status %+v", got, s.Status())
	}

	// And back to the old tip: a revision seen before gets a fresh folder.
	u.run(u.work, "reset", "-q", "--hard", before)
	u.run(u.work, "push", "-q", "-f", "origin", "HEAD:refs/heads/main")
	if err := s.Sync(context.Background()); err != nil {
		t.Fatalf("sync back to the old tip: %v", err)
	}
	if got := readServed(t, s, "a.txt"); got != "2" {
		t.Fatalf("after force-push back: a.txt = %q", got)
	}
}

func TestLocalEditsDoNotWedge(t *testing.T) {
	u := newUpstream(t)
	u.commit("main", "one", map[string]string{"index.html": "v1", "sub/page.html": "p1"})
	s := startSyncer(t, Config{URL: u.fileURL(), Interval: -1})

	// Someone edits the live folder: changes, deletions, stray files, a
	// folder made read-only.
	dir := s.Dir()
	must(t, os.WriteFile(filepath.Join(dir, "index.html"), []byte("hacked"), 0o644))
	must(t, os.Remove(filepath.Join(dir, "sub/page.html")))
	must(t, os.WriteFile(filepath.Join(dir, "stray.txt"), []byte("x"), 0o644))
	must(t, os.Chmod(filepath.Join(dir, "sub"), 0o555))

	u.commit("main", "two", map[string]string{"index.html": "v2"})
	if err := s.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	u.commit("main", "three", map[string]string{"index.html": "v3"})
	if err := s.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := readServed(t, s, "index.html"); got != "v3" {
		t.Fatalf("index.html = %q, want v3", got)
	}
	if got := readServed(t, s, "sub/page.html"); got != "p1" {
		t.Fatalf("sub/page.html = %q, want p1 restored", got)
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), "stray.txt")); !os.IsNotExist(err) {
		t.Fatal("a local stray file survived the switch")
	}
	// The edited folder was the oldest of three: pruned; current and
	// previous remain.
	entries, err := os.ReadDir(filepath.Join(s.cfg.Dest, worktreesDir))
	must(t, err)
	folders := 0
	for _, e := range entries {
		if e.IsDir() {
			folders++
		}
	}
	if folders != 2 || len(entries) != 4 {
		t.Fatalf("%d folders (%d entries) in .worktrees, want 2 (current and previous, each with its .written)", folders, len(entries))
	}
}

func TestRestartReusesTheClone(t *testing.T) {
	u := newUpstream(t)
	h := u.commit("main", "one", map[string]string{"index.html": "v1"})
	dest := filepath.Join(t.TempDir(), "site")
	marker := filepath.Join(t.TempDir(), "then-runs")
	cfg := Config{URL: u.fileURL(), Dest: dest, Interval: -1, Then: []string{"sh", "-c", "echo run >> " + marker}}
	s1 := startSyncer(t, cfg)
	s1.Close()

	s2 := startSyncer(t, cfg)
	if st := s2.Status(); st.Revision != h {
		t.Fatalf("status after restart = %+v", st)
	}
	if got := readServed(t, s2, "index.html"); got != "v1" {
		t.Fatalf("index.html = %q", got)
	}
	runs, err := os.ReadFile(marker)
	must(t, err)
	if n := strings.Count(string(runs), "run"); n != 1 {
		t.Fatalf("Then ran %d times across a restart with no new revision, want 1", n)
	}
}

func TestDestinationChecks(t *testing.T) {
	u := newUpstream(t)
	u.commit("main", "one", map[string]string{"index.html": "v1"})

	t.Run("non-empty folder", func(t *testing.T) {
		dest := t.TempDir()
		must(t, os.WriteFile(filepath.Join(dest, "precious.txt"), []byte("keep"), 0o644))
		s, err := New(Config{URL: u.fileURL(), Dest: dest})
		must(t, err)
		defer s.Close()
		if err := s.Start(context.Background()); !errors.Is(err, ErrDestNotEmpty) {
			t.Fatalf("Start = %v, want ErrDestNotEmpty", err)
		}
		if b, _ := os.ReadFile(filepath.Join(dest, "precious.txt")); string(b) != "keep" {
			t.Fatal("the user's file was touched")
		}
	})
	t.Run("other origin", func(t *testing.T) {
		other := newUpstream(t)
		other.commit("main", "x", map[string]string{"x": "x"})
		dest := filepath.Join(t.TempDir(), "site")
		s := startSyncer(t, Config{URL: other.fileURL(), Dest: dest, Interval: -1})
		s.Close()
		s2, err := New(Config{URL: u.fileURL(), Dest: dest})
		must(t, err)
		defer s2.Close()
		if err := s2.Start(context.Background()); !errors.Is(err, ErrOtherOrigin) {
			t.Fatalf("Start = %v, want ErrOtherOrigin", err)
		}
	})
	t.Run("missing branch", func(t *testing.T) {
		s, err := New(Config{URL: u.fileURL(), Dest: filepath.Join(t.TempDir(), "site"), Branch: "nope"})
		must(t, err)
		defer s.Close()
		if err := s.Start(context.Background()); !errors.Is(err, ErrRefNotFound) {
			t.Fatalf("Start = %v, want ErrRefNotFound", err)
		}
	})
}

func TestTagTracking(t *testing.T) {
	u := newUpstream(t)
	u.commit("main", "one", map[string]string{"v": "1.2.0"})
	u.run(u.work, "tag", "v1.2.0")
	u.commit("main", "two", map[string]string{"v": "1.10.0"})
	u.run(u.work, "tag", "-a", "-m", "annotated", "v1.10.0")
	u.commit("main", "three", map[string]string{"v": "1.9.0"})
	u.run(u.work, "tag", "v1.9.0")
	u.commit("main", "four", map[string]string{"v": "untagged"})
	u.run(u.work, "push", "-q", "origin", "--tags")

	t.Run("pinned", func(t *testing.T) {
		s := startSyncer(t, Config{URL: u.fileURL(), Tag: "v1.2.0", Interval: -1})
		if got := readServed(t, s, "v"); got != "1.2.0" {
			t.Fatalf("v = %q", got)
		}
		if s.Status().Ref != "refs/tags/v1.2.0" {
			t.Fatalf("ref = %q", s.Status().Ref)
		}
	})
	t.Run("newest", func(t *testing.T) {
		s := startSyncer(t, Config{URL: u.fileURL(), NewestTag: true, Interval: -1})
		if got := readServed(t, s, "v"); got != "1.10.0" {
			t.Fatalf("newest tag served %q, want 1.10.0 (annotated, version order)", got)
		}
		u.commit("main", "five", map[string]string{"v": "1.11.0"})
		u.run(u.work, "tag", "v1.11.0")
		u.run(u.work, "push", "-q", "origin", "v1.11.0")
		if err := s.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := readServed(t, s, "v"); got != "1.11.0" {
			t.Fatalf("after a new tag: %q", got)
		}
	})
}

func TestRemoteDownThenBack(t *testing.T) {
	u := newUpstream(t)
	u.commit("main", "one", map[string]string{"index.html": "v1"})
	web := serveGitHTTP(t, u.root)
	onSync, events := syncEvents()
	s := startSyncer(t, Config{
		URL: web.URL + "/site.git", Interval: 10 * time.Millisecond,
		RetryMin: 5 * time.Millisecond, RetryMax: 20 * time.Millisecond, OnSync: onSync,
	})

	web.down.Store(true)
	want := u.commit("main", "two", map[string]string{"index.html": "v2"})
	ev := waitSync(t, events, func(ev syncEvent) bool { return ev.st.Failures >= 3 })
	if ev.err == nil || ev.st.LastError == "" {
		t.Fatalf("a failing sync reported no error: %+v", ev)
	}
	if got := readServed(t, s, "index.html"); got != "v1" {
		t.Fatalf("while the remote is down the site serves %q, want the last good v1", got)
	}

	web.down.Store(false)
	ev = waitSync(t, events, func(ev syncEvent) bool { return ev.err == nil && ev.st.Revision == want })
	if ev.st.Failures != 0 || ev.st.LastError != "" {
		t.Fatalf("status after recovery = %+v", ev.st)
	}
	if got := readServed(t, s, "index.html"); got != "v2" {
		t.Fatalf("after recovery: %q", got)
	}
}

func TestCloseInterruptsBackoff(t *testing.T) {
	u := newUpstream(t)
	u.commit("main", "one", map[string]string{"index.html": "v1"})
	web := serveGitHTTP(t, u.root)
	onSync, events := syncEvents()
	s := startSyncer(t, Config{URL: web.URL + "/site.git", Interval: -1, RetryMin: time.Hour, OnSync: onSync})
	web.down.Store(true)
	s.trigger()
	waitSync(t, events, func(ev syncEvent) bool { return ev.err != nil })
	// The loop now waits an hour before retrying; Close must not.
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close blocked behind the retry backoff")
	}
	if err := s.Sync(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Sync after Close = %v, want ErrClosed", err)
	}
}

func TestCredentialsFromFileReadAtEachSync(t *testing.T) {
	u := newUpstream(t)
	u.commit("main", "one", map[string]string{"index.html": "v1"})
	web := serveGitHTTP(t, u.root)
	web.user = "deploy"
	web.password.Store("first-token")
	tokenFile := filepath.Join(t.TempDir(), "token")
	must(t, os.WriteFile(tokenFile, []byte("first-token\n"), 0o600))

	s := startSyncer(t, Config{URL: web.URL + "/site.git", Interval: -1,
		Auth: Auth{Username: "deploy", PasswordFile: tokenFile}})

	// The server rotates the token; the next sync fails until the file is
	// updated, and then works without a restart.
	web.password.Store("second-token")
	u.commit("main", "two", map[string]string{"index.html": "v2"})
	err := s.Sync(context.Background())
	if err == nil {
		t.Fatal("sync with a revoked token succeeded")
	}
	if strings.Contains(s.Status().LastError, "first-token") {
		t.Fatalf("status leaks the token: %q", s.Status().LastError)
	}
	must(t, os.WriteFile(tokenFile, []byte("second-token\n"), 0o600))
	if err := s.Sync(context.Background()); err != nil {
		t.Fatalf("sync with the rotated token: %v", err)
	}
	if got := readServed(t, s, "index.html"); got != "v2" {
		t.Fatalf("index.html = %q", got)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestUnchangedFilesAreShared: an incremental switch hard-links the files
// that did not change, unless they were touched locally.
func TestUnchangedFilesAreShared(t *testing.T) {
	u := newUpstream(t)
	u.commit("main", "one", map[string]string{"changes.txt": "1", "same.txt": "same", "edited.txt": "pristine"})
	s := startSyncer(t, Config{URL: u.fileURL(), Interval: -1})
	first, err := filepath.EvalSymlinks(s.Dir())
	must(t, err)
	// Age every file as if written a minute ago, then edit one locally.
	old := time.Now().Add(-time.Minute)
	for _, f := range []string{"changes.txt", "same.txt", "edited.txt"} {
		must(t, os.Chtimes(filepath.Join(first, f), old, old))
	}
	must(t, os.WriteFile(filepath.Join(first, "edited.txt"), []byte("local edit"), 0o644))

	u.commit("main", "two", map[string]string{"changes.txt": "2"})
	if err := s.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	second, err := filepath.EvalSymlinks(s.Dir())
	must(t, err)
	same := func(name string) bool {
		a, err := os.Stat(filepath.Join(first, name))
		must(t, err)
		b, err := os.Stat(filepath.Join(second, name))
		must(t, err)
		return os.SameFile(a, b)
	}
	if !same("same.txt") {
		t.Error("an unchanged, untouched file was copied, not linked")
	}
	if same("changes.txt") || same("edited.txt") {
		t.Error("a changed or locally edited file was linked")
	}
	if got := readServed(t, s, "edited.txt"); got != "pristine" {
		t.Errorf("edited.txt = %q: a local edit carried over", got)
	}
}

// TestIncrementalFetchBringsOnlyNewObjects: after the shallow clone, a sync
// adds a pack with the new objects, not another snapshot of the tree.
func TestIncrementalFetchBringsOnlyNewObjects(t *testing.T) {
	u := newUpstream(t)
	files := map[string]string{}
	for i := range 200 {
		b := make([]byte, 1024) // incompressible, like real content
		_, _ = rand.Read(b)
		files[fmt.Sprintf("f%03d.txt", i)] = hex.EncodeToString(b)
	}
	u.commit("main", "one", files)
	s := startSyncer(t, Config{URL: u.fileURL(), Interval: -1})
	packSizes := func() (sizes []int64) {
		m, err := filepath.Glob(filepath.Join(s.cfg.Dest, ".git", "objects", "pack", "*.pack"))
		must(t, err)
		for _, p := range m {
			fi, err := os.Stat(p)
			must(t, err)
			sizes = append(sizes, fi.Size())
		}
		return sizes
	}
	first := packSizes()
	u.commit("main", "two", map[string]string{"f000.txt": "changed"})
	if err := s.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	after := packSizes()
	if len(first) != 1 || len(after) != 2 {
		t.Fatalf("packs: %v then %v", first, after)
	}
	added := after[0] + after[1] - first[0]
	if added*10 > first[0] {
		t.Fatalf("a one-file change added a %d-byte pack; the clone's is %d bytes", added, first[0])
	}
}

// TestRevertToContentOlderThanTheClone: the new commit needs a blob that
// only an ancestor of the shallow clone has. An incremental fetch does not
// bring it (the server believes the store has the ancestors), so the sync
// must notice and fetch it, not fail forever.
func TestRevertToContentOlderThanTheClone(t *testing.T) {
	u := newUpstream(t)
	u.commit("main", "one", map[string]string{"a.txt": "original content"})
	u.commit("main", "two", map[string]string{"a.txt": "new content"})
	s := startSyncer(t, Config{URL: u.fileURL(), Interval: -1})
	u.commit("main", "revert", map[string]string{"a.txt": "original content"})
	// Reachability bitmaps, as big hosts keep them: with them the server
	// counts every ancestor of what the store has, not only its tree.
	u.run(u.bare, "repack", "-q", "-a", "-d", "-b")
	if err := s.Sync(context.Background()); err != nil {
		t.Fatalf("sync of a revert to pre-clone content: %v", err)
	}
	if got := readServed(t, s, "a.txt"); got != "original content" {
		t.Fatalf("a.txt = %q", got)
	}
}
