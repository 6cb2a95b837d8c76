package gitsync

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestThenRunsOnChangeWithHash(t *testing.T) {
	u := newUpstream(t)
	first := u.commit("main", "one", map[string]string{"index.html": "v1"})
	out := filepath.Join(t.TempDir(), "hashes")
	logger, logs := newTestLogger()
	s := startSyncer(t, Config{
		URL: u.fileURL(), Interval: -1, Logger: logger,
		// Runs in the new revision's folder: index.html is there.
		Then: []string{"sh", "-c", `echo "$GITSYNC_HASH $(cat index.html)" >> "$1"; echo built "$GITSYNC_HASH"`, "then", out},
	})
	if err := s.Sync(context.Background()); err != nil { // no change: no run
		t.Fatal(err)
	}
	second := u.commit("main", "two", map[string]string{"index.html": "v2"})
	if err := s.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	must(t, err)
	if got, want := string(b), first+" v1\n"+second+" v2\n"; got != want {
		t.Fatalf("Then runs:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(logs.String(), "built "+second) {
		t.Fatalf("the command's output is not in the log:\n%s", logs)
	}
}

// TestThenFinishesBeforeTheSwitch holds Then of a new revision open and
// reads the site meanwhile: it still serves the old revision, and the new
// one arrives together with what Then built in its folder.
func TestThenFinishesBeforeTheSwitch(t *testing.T) {
	u := newUpstream(t)
	first := u.commit("main", "one", map[string]string{"index.html": "v1"})
	fifos := t.TempDir()
	started, release := filepath.Join(fifos, "started"), filepath.Join(fifos, "release")
	// Then builds built.txt; once the fifos exist it also waits for the
	// test between "started" and the end.
	s := startSyncer(t, Config{URL: u.fileURL(), Interval: -1, Then: []string{"sh", "-c",
		`echo "$GITSYNC_HASH" > built.txt; [ -p "$1" ] || exit 0; echo started > "$1"; read x < "$2"`,
		"then", started, release}})
	if got := readServed(t, s, "built.txt"); got != first+"\n" {
		t.Fatalf("built.txt after Start = %q, want %s", got, first)
	}

	must(t, syscall.Mkfifo(started, 0o600))
	must(t, syscall.Mkfifo(release, 0o600))
	second := u.commit("main", "two", map[string]string{"index.html": "v2"})
	errc := make(chan error, 1)
	go func() { errc <- s.Sync(context.Background()) }()
	_, err := os.ReadFile(started) // returns once Then runs for the new revision
	must(t, err)
	index, built, rev := readServed(t, s, "index.html"), readServed(t, s, "built.txt"), s.Status().Revision
	must(t, os.WriteFile(release, []byte("go\n"), 0o600)) // Then exits
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if index != "v1" || built != first+"\n" || rev != first {
		t.Fatalf("while Then ran: index.html %q, built.txt %q, status revision %s; want v1, %s, %s", index, built, rev, first, first)
	}
	if index, built := readServed(t, s, "index.html"), readServed(t, s, "built.txt"); index != "v2" || built != second+"\n" {
		t.Fatalf("after Then: index.html %q, built.txt %q; want v2 and %s", index, built, second)
	}
}

// TestThenFailureKeepsTheLastGoodRevision: a revision whose Then fails is
// not served; it is tried again at the next sync, and goes live once Then
// succeeds.
func TestThenFailureKeepsTheLastGoodRevision(t *testing.T) {
	u := newUpstream(t)
	first := u.commit("main", "one", map[string]string{"index.html": "v1"})
	fixed := filepath.Join(t.TempDir(), "fixed")
	logger, logs := newTestLogger()
	s := startSyncer(t, Config{URL: u.fileURL(), Interval: -1, Logger: logger,
		Then: []string{"sh", "-c", `[ "$(cat index.html)" = v1 ] || [ -e "$1" ] || { echo build broke >&2; exit 3; }`, "then", fixed}})

	want := u.commit("main", "two", map[string]string{"index.html": "v2"})
	for try := 1; try <= 2; try++ {
		err := s.Sync(context.Background())
		if !errors.Is(err, ErrThen) {
			t.Fatalf("Sync = %v, want ErrThen", err)
		}
		st := s.Status()
		if st.Revision != first || st.Failures != try || !strings.Contains(st.LastError, "exit status 3") {
			t.Fatalf("status after failure %d = %+v, want revision %s", try, st, first)
		}
		if got := readServed(t, s, "index.html"); got != "v1" {
			t.Fatalf("index.html = %q after a failed Then, want the last good v1", got)
		}
		if n := strings.Count(logs.String(), `output="build broke`); n != try {
			t.Fatalf("the failing command's stderr is logged %d times after %d tries:\n%s", n, try, logs)
		}
		// The rejected checkout is gone: only the live revision's folder
		// (and its .written stamp) is left.
		entries, err := os.ReadDir(filepath.Join(s.cfg.Dest, worktreesDir))
		must(t, err)
		if len(entries) != 2 || !strings.HasPrefix(entries[0].Name(), first) {
			t.Fatalf("worktrees after a failed Then: %v", entries)
		}
	}

	must(t, os.WriteFile(fixed, nil, 0o600))
	if err := s.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := s.Status(); st.Revision != want || st.Previous != first || st.Failures != 0 {
		t.Fatalf("status once Then passes = %+v", st)
	}
	if got := readServed(t, s, "index.html"); got != "v2" {
		t.Fatalf("index.html = %q, want v2", got)
	}
}

// TestFailingThenRetriedOnBackoff: with polling off, the loop retries a
// failing Then on its own, counting each as a failure so the wait grows,
// and deploys once it passes.
func TestFailingThenRetriedOnBackoff(t *testing.T) {
	u := newUpstream(t)
	first := u.commit("main", "one", map[string]string{"index.html": "v1"})
	fixed := filepath.Join(t.TempDir(), "fixed")
	logger, logs := newTestLogger()
	onSync, events := syncEvents()
	s := startSyncer(t, Config{URL: u.fileURL(), Interval: -1, Logger: logger, OnSync: onSync,
		RetryMin: 5 * time.Millisecond, RetryMax: 20 * time.Millisecond,
		Then: []string{"sh", "-c", `[ "$(cat index.html)" = v1 ] || [ -e "$1" ] || exit 3`, "then", fixed}})
	<-events

	want := u.commit("main", "two", map[string]string{"index.html": "v2"})
	s.trigger()
	// The fourth try starts after the loop logged the third failure.
	ev := waitSync(t, events, func(ev syncEvent) bool { return ev.st.Failures >= 4 })
	if !errors.Is(ev.err, ErrThen) || ev.st.Revision != first {
		t.Fatalf("after 4 failed tries: err %v, status %+v", ev.err, ev.st)
	}
	if got := readServed(t, s, "index.html"); got != "v1" {
		t.Fatalf("index.html = %q while Then fails, want v1", got)
	}
	// The loop's own count, which sets the backoff, grew with each failure.
	if !strings.Contains(logs.String(), "failures=3") {
		t.Fatalf("the loop did not count Then failures for its backoff:\n%s", logs)
	}

	must(t, os.WriteFile(fixed, nil, 0o600))
	waitSync(t, events, func(ev syncEvent) bool { return ev.err == nil && ev.st.Revision == want })
	if got := readServed(t, s, "index.html"); got != "v2" {
		t.Fatalf("index.html = %q after Then passed, want v2", got)
	}
}

// TestThenEditsStayInTheNewRevision: Then may append to a file that did
// not change between revisions; the live revision's copy must not change
// with it (it would, were the file a hard link shared by both folders).
func TestThenEditsStayInTheNewRevision(t *testing.T) {
	u := newUpstream(t)
	u.commit("main", "one", map[string]string{"same.txt": "same\n"})
	s := startSyncer(t, Config{URL: u.fileURL(), Interval: -1,
		Then: []string{"sh", "-c", `[ ! -e edit-me ] || echo edited >> same.txt`}})
	live, err := filepath.EvalSymlinks(s.Dir())
	must(t, err)
	// Old enough to be reused, were files shared.
	old := time.Now().Add(-time.Minute)
	must(t, os.Chtimes(filepath.Join(live, "same.txt"), old, old))

	u.commit("main", "two", map[string]string{"edit-me": "1"})
	if err := s.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := readServed(t, s, "same.txt"); got != "same\nedited\n" {
		t.Fatalf("same.txt in the new revision = %q", got)
	}
	b, err := os.ReadFile(filepath.Join(live, "same.txt"))
	must(t, err)
	if string(b) != "same\n" {
		t.Fatalf("Then's edit reached the previous revision's folder: %q", b)
	}
}

func TestThenTimeout(t *testing.T) {
	u := newUpstream(t)
	u.commit("main", "one", map[string]string{"index.html": "v1"})
	s, err := New(Config{URL: u.fileURL(), Dest: filepath.Join(t.TempDir(), "site"), Interval: -1,
		ThenTimeout: 100 * time.Millisecond, Then: []string{"sleep", "30"}})
	must(t, err)
	defer s.Close()
	err = s.Sync(context.Background())
	if !errors.Is(err, ErrThen) || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("Sync = %v, want a Then timeout", err)
	}
	// The first revision never went live: there is nothing to serve yet.
	if _, err := os.Lstat(s.Dir()); !os.IsNotExist(err) || s.Status().Revision != "" {
		t.Fatalf("a revision whose Then timed out is served: %v, %+v", err, s.Status())
	}
}

func TestCloseKillsThen(t *testing.T) {
	u := newUpstream(t)
	u.commit("main", "one", map[string]string{"index.html": "v1"})
	fifo := filepath.Join(t.TempDir(), "started")
	must(t, syscall.Mkfifo(fifo, 0o600))
	s, err := New(Config{URL: u.fileURL(), Dest: filepath.Join(t.TempDir(), "site"), Interval: -1,
		Then: []string{"sh", "-c", `echo started > "$1"; exec sleep 30`, "then", fifo}})
	must(t, err)
	errc := make(chan error, 1)
	go func() { errc <- s.Sync(context.Background()) }()
	b, err := os.ReadFile(fifo) // returns once the command has started
	must(t, err)
	if string(b) != "started\n" {
		t.Fatalf("fifo: %q", b)
	}
	s.Close() // returns once the Then process is gone
	if err := <-errc; !errors.Is(err, ErrThen) {
		t.Fatalf("Sync interrupted by Close = %v, want ErrThen", err)
	}
}
