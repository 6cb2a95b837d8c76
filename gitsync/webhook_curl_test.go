package gitsync

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/httpmw/httpmw"
)

// curlPost runs the real curl against url with args; it returns the status
// and body curl got.
func curlPost(t *testing.T, url string, args ...string) (int, string) {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("SKIPPED: curl is not installed (apt-get install curl)")
	}
	args = append([]string{"-sS", "-w", "\n%{http_code}", url}, args...)
	out, err := exec.Command("curl", args...).Output()
	if err != nil {
		t.Fatalf("curl %v: %v", args, err)
	}
	i := strings.LastIndexByte(string(out), '\n')
	code, err := strconv.Atoi(string(out[i+1:]))
	if err != nil {
		t.Fatalf("curl printed %q", out)
	}
	return code, strings.TrimSpace(string(out[:i]))
}

// TestWebhookFromCurl sends what a user types to a running server with the
// real curl (issue 16 item 5): JSON with curl -d's default form
// Content-Type is refused with a 400 that names the Content-Type (and the
// log says so too); GitHub's form encoding and JSON deploy; with Branch
// unset, a push to a branch other than the remote's default answers 200
// and queues nothing.
func TestWebhookFromCurl(t *testing.T) {
	u := newUpstream(t)
	u.commit("main", "one", map[string]string{"index.html": "v1"})
	u.commit("feature", "f", map[string]string{"index.html": "feature"})
	onSync, events := syncEvents()
	s := startSyncer(t, Config{URL: u.fileURL(), Interval: -1, OnSync: onSync}) // Branch unset: main, the default
	waitSync(t, events, func(syncEvent) bool { return true })                   // Start's own sync
	h, err := s.Webhook(WebhookConfig{Secret: secret})
	must(t, err)
	var mu sync.Mutex
	var logged []string
	srv := httptest.NewServer(httpmw.Adapter{OnError: func(_ *http.Request, _ int, err error) {
		mu.Lock()
		logged = append(logged, err.Error())
		mu.Unlock()
	}}.Handler(h))
	defer srv.Close()
	bearer := "Authorization: Bearer " + secret

	// curl -d sends application/x-www-form-urlencoded.
	code, body := curlPost(t, srv.URL, "-H", bearer, "-d", `{"ref":"refs/heads/main"}`)
	if code != 400 || !strings.Contains(body, "Content-Type") || !strings.Contains(body, "application/json") {
		t.Fatalf("JSON sent with curl -d: %d %q, want 400 naming the Content-Type", code, body)
	}
	mu.Lock()
	got := strings.Join(logged, "\n")
	mu.Unlock()
	if !strings.Contains(got, "Content-Type is application/x-www-form-urlencoded") {
		t.Fatalf("the log does not name the Content-Type: %q", got)
	}

	// A push to another branch than the default: 200, nothing queued.
	code, body = curlPost(t, srv.URL, "-H", bearer, "-H", "Content-Type: application/json", "-d", `{"ref":"refs/heads/feature"}`)
	if code != 200 || !strings.Contains(body, "not tracked") || len(s.kick) != 0 {
		t.Fatalf("push to feature with Branch unset: %d %q (%d syncs queued), want 200 and none", code, body, len(s.kick))
	}

	// JSON with its Content-Type deploys.
	want := u.commit("main", "two", map[string]string{"index.html": "v2"})
	code, body = curlPost(t, srv.URL, "-H", bearer, "-H", "Content-Type: application/json", "-d", `{"ref":"refs/heads/main"}`)
	if code != 202 {
		t.Fatalf("JSON push to main: %d %q, want 202", code, body)
	}
	waitSync(t, events, func(ev syncEvent) bool { return ev.err == nil && ev.st.Revision == want })

	// GitHub's form content type: payload=<JSON>, signed as sent.
	want = u.commit("main", "three", map[string]string{"index.html": "v3"})
	form := "payload=" + url.QueryEscape(`{"ref":"refs/heads/main","repository":{"full_name":"o/r"}}`)
	file := filepath.Join(t.TempDir(), "form")
	must(t, os.WriteFile(file, []byte(form), 0o644))
	code, body = curlPost(t, srv.URL, "-H", "X-GitHub-Event: push", "-H", "X-Hub-Signature-256: sha256="+sign(form), "--data-binary", "@"+file)
	if code != 202 {
		t.Fatalf("GitHub form-encoded push: %d %q, want 202", code, body)
	}
	waitSync(t, events, func(ev syncEvent) bool { return ev.err == nil && ev.st.Revision == want })
	if got := readServed(t, s, "index.html"); got != "v3" {
		t.Fatalf("served %q, want v3", got)
	}
}
