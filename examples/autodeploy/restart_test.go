package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw/gitsync"
	"github.com/httpmw/httpmw/internal/testgit"
)

// started runs the command with o until the test stops it, and returns its
// URL; it fails the test when run returns before serving.
func started(t *testing.T, o options) (url string, stop func()) {
	t.Helper()
	ready := make(chan string, 1)
	o.ready = func(url string) { ready <- url }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, o) }()
	stop = func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run after shutdown: %v", err)
		}
		http.DefaultClient.CloseIdleConnections()
	}
	select {
	case url = <-ready:
		return url, stop
	case err := <-done:
		cancel()
		t.Fatalf("autodeploy did not serve: %v", err)
	case <-time.After(30 * time.Second): // a deadlock guard
		cancel()
		<-done
		t.Fatal("autodeploy did not start")
	}
	return "", nil
}

func getStatus(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestRestartWhileTheRemoteIsDown is the field report's sequence (issue 16
// item 1, with item 10's -then): deploy from a real git daemon, stop the
// command and the daemon, start the command again on the same -dest. It
// used to exit with "connection refused"; now it serves the deployed
// revision, says at -status that the remote is unreachable, and deploys
// (and builds, with -then) the new commit once the daemon is back.
func TestRestartWhileTheRemoteIsDown(t *testing.T) {
	r := newRepo(t)
	first := r.commit("v1")
	daemon := testgit.StartDaemon(t, filepath.Dir(r.dir))
	synced := make(chan gitsync.Status, 100)
	o := options{
		repo: daemon.URL(filepath.Base(r.dir)), dest: filepath.Join(t.TempDir(), "deploy"),
		listen: "127.0.0.1:0", status: "/_status", interval: time.Hour,
		// Shell syntax on purpose: -then is a command line for /bin/sh -c.
		then:   `printf '%s' "$GITSYNC_HASH" > built.txt && test -s built.txt`,
		onSync: func(st gitsync.Status, _ error) { synced <- st },
	}
	url, stop := started(t, o)
	if got := get(t, url); got != "v1" {
		t.Fatalf("GET / = %q, want v1", got)
	}
	if got := get(t, url+"built.txt"); got != first {
		t.Fatalf("-then wrote %q, want the commit %s", got, first)
	}
	stop()

	daemon.Stop()
	want := r.commit("v2")
	url, stop = started(t, o)
	defer stop()
	if got := get(t, url); got != "v1" {
		t.Fatalf("restarted with the remote down: GET / = %q, want the deployed v1", got)
	}
	for failed := false; !failed; {
		select {
		case st := <-synced:
			failed = st.Failures > 0
		case <-time.After(30 * time.Second): // a deadlock guard, not a timing assertion
			t.Fatal("no failed sync reported while the remote is down")
		}
	}
	if code, body := getStatus(t, url+"_status"); code != http.StatusServiceUnavailable || !strings.Contains(body, "remote unreachable") || !strings.Contains(body, first) {
		t.Fatalf("-status while the remote is down: %d %s", code, body)
	}

	daemon.Restart()
	for deployed := false; !deployed; {
		select {
		case st := <-synced:
			deployed = st.Revision == want
		case <-time.After(2 * time.Minute): // a deadlock guard: the backoff is still short here
			t.Fatal("the new commit was not deployed after the remote came back")
		}
	}
	if got := get(t, url); got != "v2" {
		t.Fatalf("after the remote came back: GET / = %q, want v2", got)
	}
	if got := get(t, url+"built.txt"); got != want {
		t.Fatalf("-then wrote %q, want the commit %s", got, want)
	}
	if code, body := getStatus(t, url+"_status"); code != http.StatusOK || !strings.Contains(body, want) {
		t.Fatalf("-status after recovery: %d %s", code, body)
	}
}
