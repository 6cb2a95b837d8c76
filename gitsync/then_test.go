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

func TestThenFailure(t *testing.T) {
	u := newUpstream(t)
	u.commit("main", "one", map[string]string{"index.html": "v1"})
	logger, logs := newTestLogger()
	onSync, events := syncEvents()
	s := startSyncer(t, Config{URL: u.fileURL(), Interval: -1, Logger: logger, OnSync: onSync,
		Then: []string{"sh", "-c", `[ "$(cat index.html)" = v1 ] || { echo build broke >&2; exit 3; }`}})
	<-events

	want := u.commit("main", "two", map[string]string{"index.html": "v2"})
	err := s.Sync(context.Background())
	if !errors.Is(err, ErrThen) {
		t.Fatalf("Sync = %v, want ErrThen", err)
	}
	st := s.Status()
	// The switch happened; the failure is reported, not retried.
	if st.Revision != want || !strings.Contains(st.LastError, "exit status 3") {
		t.Fatalf("status = %+v", st)
	}
	if !strings.Contains(logs.String(), "build broke") {
		t.Fatalf("stderr of the failing command not logged:\n%s", logs)
	}
	// Not retried: the next sync finds no change and succeeds.
	if err := s.Sync(context.Background()); err != nil {
		t.Fatal(err)
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
