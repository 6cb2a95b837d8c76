package browse

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/gitsync"
)

// TestServesGitsyncDeploys serves gitsync's Dir (Dest/current, swapped by
// rename on each revision) and sees each new commit after its sync, with
// the previous revision's root closed once pruned from service.
func TestServesGitsyncDeploys(t *testing.T) {
	tmp := t.TempDir()
	upstream := filepath.Join(tmp, "upstream")
	repo, err := git.PlainInit(upstream, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	commit := func(body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(upstream, "index.html"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := wt.Add("index.html"); err != nil {
			t.Fatal(err)
		}
		sig := &object.Signature{Name: "Test", Email: "test@example.com", When: time.Now()}
		if _, err := wt.Commit(body, &git.CommitOptions{Author: sig}); err != nil {
			t.Fatal(err)
		}
	}
	commit("v1")

	dest := filepath.Join(tmp, "site")
	syncer, err := gitsync.New(gitsync.Config{
		URL:      "file://" + upstream,
		Dest:     dest,
		Interval: -1, // synced by the test only
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer syncer.Close()
	ctx := context.Background()
	if err := syncer.Start(ctx); err != nil {
		t.Fatal(err)
	}

	s, err := New(Config{Root: syncer.Dir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv := httptest.NewServer(httpmw.ToHTTP(s))
	defer srv.Close()
	get := func() string {
		t.Helper()
		res, err := srv.Client().Get(srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("GET /: %s %q", res.Status, b)
		}
		return string(b)
	}
	if got := get(); got != "v1" {
		t.Fatalf("first deploy: %q", got)
	}
	for _, v := range []string{"v2", "v3", "v4"} {
		commit(v)
		if err := syncer.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if got := get(); got != v {
			t.Fatalf("after deploying %s: %q", v, got)
		}
	}
	srv.Close() // waits for the handlers, which release their revision
	// Only the revision served is open (gitsync has removed the oldest).
	if open := openUnder(filepath.Join(dest, ".worktrees")); len(open) != 1 || open[0] != syncer.Status().Dir {
		t.Errorf("open: %q, want only %s", open, syncer.Status().Dir)
	}
}
