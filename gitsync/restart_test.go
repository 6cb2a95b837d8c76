package gitsync

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw"
)

// restartConfig is a config for dest with quick retries and no polling: only
// the backoff after a failure syncs again.
func restartConfig(url, dest string) Config {
	logger, _ := newTestLogger()
	return Config{URL: url, Dest: dest, Interval: -1, RetryMin: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond, Logger: logger}
}

// newStarted builds a Syncer and starts it, failing the test when Start
// fails.
func newStarted(t *testing.T, cfg Config) *Syncer {
	t.Helper()
	s, err := New(cfg)
	must(t, err)
	t.Cleanup(func() { s.Close() })
	if err := s.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return s
}

// TestRestartWhileTheRemoteIsDown deploys from a real git daemon, stops the
// daemon, and starts a new Syncer on the same Dest: it serves the deployed
// revision at once, reports the failed sync, retries, and deploys the new
// revision once the daemon is back (issue 16 item 1).
func TestRestartWhileTheRemoteIsDown(t *testing.T) {
	u := newUpstream(t)
	first := u.commit("main", "one", map[string]string{"index.html": "v1"})
	daemon := serveGitDaemon(t, u.root)
	dest := filepath.Join(t.TempDir(), "site")
	cfg := restartConfig(daemon.URL("site.git"), dest)
	s1 := newStarted(t, cfg)
	s1.Close()

	daemon.Stop()
	want := u.commit("main", "two", map[string]string{"index.html": "v2"})
	onSync, events := syncEvents()
	cfg.OnSync = onSync
	s2 := newStarted(t, cfg)
	if st := s2.Status(); st.Revision != first {
		t.Fatalf("status right after Start = %+v, want revision %s", st, first)
	}
	if got := readServed(t, s2, "index.html"); got != "v1" {
		t.Fatalf("served %q, want the deployed v1", got)
	}

	// The failed sync shows: OnSync, Err, Status and the status page.
	ev := waitSync(t, events, func(ev syncEvent) bool { return ev.st.Failures >= 2 })
	var opErr *net.OpError
	if !errors.As(ev.err, &opErr) || !errors.As(s2.Err(), &opErr) {
		t.Fatalf("sync error = %v, Err() = %v; want a *net.OpError (connection refused)", ev.err, s2.Err())
	}
	if st := s2.Status(); st.LastError == "" || st.Revision != first {
		t.Fatalf("status while the remote is down = %+v", st)
	}
	srv := httptest.NewServer(httpmw.ToHTTP(s2.StatusHandler()))
	defer srv.Close()
	code, body := getBody(t, srv.URL)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"last_error": "remote unreachable"`) || !strings.Contains(body, first) {
		t.Fatalf("status page while the remote is down: %d %s", code, body)
	}
	if got := readServed(t, s2, "index.html"); got != "v1" {
		t.Fatalf("while the remote is down the site serves %q, want v1", got)
	}

	daemon.Restart()
	waitSync(t, events, func(ev syncEvent) bool { return ev.err == nil && ev.st.Revision == want })
	if got := readServed(t, s2, "index.html"); got != "v2" {
		t.Fatalf("after the remote came back: %q, want v2", got)
	}
	if s2.Err() != nil || s2.Status().Failures != 0 {
		t.Fatalf("after recovery: Err() = %v, status = %+v", s2.Err(), s2.Status())
	}
	if code, body := getBody(t, srv.URL); code != http.StatusOK || !strings.Contains(body, want) {
		t.Fatalf("status page after recovery: %d %s", code, body)
	}
}

// TestRestartWithAFailingThen: the revision HEAD names fails its Then at
// start; the deployed one is served, and the new one goes live once Then
// passes (issue 16 item 1).
func TestRestartWithAFailingThen(t *testing.T) {
	u := newUpstream(t)
	first := u.commit("main", "one", map[string]string{"index.html": "v1"})
	gate := filepath.Join(t.TempDir(), "build-may-pass")
	must(t, os.WriteFile(gate, nil, 0o644))
	cfg := restartConfig(u.fileURL(), filepath.Join(t.TempDir(), "site"))
	cfg.Then = []string{"test", "-e", gate}
	s1 := newStarted(t, cfg)
	s1.Close()

	must(t, os.Remove(gate))
	want := u.commit("main", "two", map[string]string{"index.html": "v2"})
	onSync, events := syncEvents()
	cfg.OnSync = onSync
	s2 := newStarted(t, cfg)
	if got := readServed(t, s2, "index.html"); got != "v1" || s2.Status().Revision != first {
		t.Fatalf("served %q (%+v), want the deployed v1", got, s2.Status())
	}
	ev := waitSync(t, events, func(ev syncEvent) bool { return ev.st.Failures >= 2 })
	if !errors.Is(ev.err, ErrThen) || !errors.Is(s2.Err(), ErrThen) {
		t.Fatalf("sync error = %v, want ErrThen", ev.err)
	}
	if got := readServed(t, s2, "index.html"); got != "v1" {
		t.Fatalf("while Then fails the site serves %q, want v1", got)
	}

	must(t, os.WriteFile(gate, nil, 0o644))
	waitSync(t, events, func(ev syncEvent) bool { return ev.err == nil && ev.st.Revision == want })
	if got := readServed(t, s2, "index.html"); got != "v2" {
		t.Fatalf("after Then passed: %q, want v2", got)
	}
}

// TestFirstStartIsRetryable: with nothing deployed and the remote down,
// Start fails; once the remote is back, Start on the same Syncer deploys
// (issue 16 item 1; it answered "Start called twice").
func TestFirstStartIsRetryable(t *testing.T) {
	u := newUpstream(t)
	want := u.commit("main", "one", map[string]string{"index.html": "v1"})
	daemon := serveGitDaemon(t, u.root)
	daemon.Stop()
	s, err := New(restartConfig(daemon.URL("site.git"), filepath.Join(t.TempDir(), "site")))
	must(t, err)
	defer s.Close()
	var opErr *net.OpError
	if err := s.Start(context.Background()); !errors.As(err, &opErr) {
		t.Fatalf("first Start with the remote down = %v, want a *net.OpError", err)
	}
	if s.Status().Revision != "" {
		t.Fatalf("status after a failed first start: %+v", s.Status())
	}

	daemon.Restart()
	if err := s.Start(context.Background()); err != nil {
		t.Fatalf("second Start once the remote is back: %v", err)
	}
	if got := readServed(t, s, "index.html"); got != "v1" || s.Status().Revision != want {
		t.Fatalf("served %q (%+v), want v1", got, s.Status())
	}
	if err := s.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("Start on a running Syncer = %v, want an error", err)
	}
	s.Close()
	if err := s.Start(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Start after Close = %v, want ErrClosed", err)
	}
}

func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	return resp.StatusCode, string(b)
}
