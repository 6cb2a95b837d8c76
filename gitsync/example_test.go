package gitsync_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/gitsync"
)

// Example serves a repository's files, kept current by a webhook: a push
// lands, the sender calls the hook, and the next request sees the new
// revision.
func Example() {
	tmp, _ := os.MkdirTemp("", "gitsync-example")
	defer os.RemoveAll(tmp)
	upstream := filepath.Join(tmp, "upstream")
	commit(upstream, "index.html", "hello, v1")

	synced := make(chan string, 10)
	s, err := gitsync.New(gitsync.Config{
		URL:      "file://" + upstream,
		Dest:     filepath.Join(tmp, "site"),
		Interval: -1, // no polling: the webhook says when
		Logger:   slog.New(slog.DiscardHandler),
		OnSync:   func(st gitsync.Status, err error) { synced <- st.Revision },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	if err := s.Start(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	<-synced

	hook, _ := s.Webhook(gitsync.WebhookConfig{Secret: "hook-secret"})
	mux := http.NewServeMux()
	mux.Handle("POST /_deploy", httpmw.ToHTTP(hook))
	mux.Handle("/", http.FileServer(http.Dir(s.Dir())))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	fmt.Println(get(srv.URL + "/index.html"))

	want := commit(upstream, "index.html", "hello, v2")
	req, _ := http.NewRequest("POST", srv.URL+"/_deploy", strings.NewReader(`{"ref":"refs/heads/master"}`))
	req.Header.Set("Authorization", "Bearer hook-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println("webhook:", resp.Status)
	for rev := range synced {
		if rev == want {
			break
		}
	}
	fmt.Println(get(srv.URL + "/index.html"))
	// Output:
	// hello, v1
	// webhook: 202 Accepted
	// hello, v2
}

// commit writes one file in a repository at dir (made on first use) and
// commits it, returning the new commit's hash.
func commit(dir, name, content string) string {
	repo, err := git.PlainOpen(dir)
	if err != nil {
		repo, _ = git.PlainInit(dir, false)
	}
	_ = os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)
	wt, _ := repo.Worktree()
	_, _ = wt.Add(name)
	h, _ := wt.Commit("update "+name, &git.CommitOptions{
		Author: &object.Signature{Name: "Example", Email: "ex@example.com", When: time.Now()},
	})
	return h.String()
}

func get(url string) string {
	resp, err := http.Get(url)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
