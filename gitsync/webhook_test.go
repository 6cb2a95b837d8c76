package gitsync

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/httpmw/httpmw"
)

const secret = "s3cret-hook-key"

func sign(body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	return hex.EncodeToString(mac.Sum(nil))
}

// hookRequest is one webhook delivery as a provider would send it.
type hookRequest struct {
	method      string
	header      map[string]string
	contentType string
	body        string
}

func githubPush(ref string) hookRequest {
	body := `{"ref":"` + ref + `","after":"abc","repository":{"full_name":"o/r"}}`
	return hookRequest{header: map[string]string{"X-GitHub-Event": "push", "X-Hub-Signature-256": "sha256=" + sign(body)}, body: body}
}

func (h hookRequest) send(t *testing.T, srvURL string) (int, string) {
	t.Helper()
	method := h.method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequest(method, srvURL+"/hook", strings.NewReader(h.body))
	must(t, err)
	req.Header.Set("Content-Type", "application/json")
	if h.contentType != "" {
		req.Header.Set("Content-Type", h.contentType)
	}
	for k, v := range h.header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// hookServer serves s's webhook at /hook through the standard adapter, as a
// user would mount it.
func hookServer(t *testing.T, s *Syncer, cfg WebhookConfig) *httptest.Server {
	t.Helper()
	h, err := s.Webhook(cfg)
	must(t, err)
	mux := http.NewServeMux()
	mux.Handle("/hook", httpmw.ToHTTP(h))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestWebhookPushTriggersSync(t *testing.T) {
	u := newUpstream(t)
	u.commit("main", "one", map[string]string{"index.html": "v1"})
	onSync, events := syncEvents()
	s := startSyncer(t, Config{URL: u.fileURL(), Branch: "main", Interval: -1, OnSync: onSync})
	srv := hookServer(t, s, WebhookConfig{Secret: secret})

	want := u.commit("main", "two", map[string]string{"index.html": "v2"})
	if code, body := githubPush("refs/heads/main").send(t, srv.URL); code != http.StatusAccepted {
		t.Fatalf("push to main: %d %q, want 202", code, body)
	}
	waitSync(t, events, func(ev syncEvent) bool { return ev.st.Revision == want })
	if got := readServed(t, s, "index.html"); got != "v2" {
		t.Fatalf("index.html = %q", got)
	}
}

// TestWebhookBurstCoalesces holds the first triggered sync open, sends a
// burst of pushes, and checks they cost exactly one more sync.
func TestWebhookBurstCoalesces(t *testing.T) {
	u := newUpstream(t)
	u.commit("main", "one", map[string]string{"index.html": "v1"})
	release := make(chan struct{})
	entered := make(chan struct{}, 100)
	var started bool
	cfg := Config{URL: u.fileURL(), Branch: "main", Interval: -1}
	cfg.OnSync = func(Status, error) {
		if !started { // Start's own sync
			started = true
			return
		}
		entered <- struct{}{}
		<-release
	}
	s := startSyncer(t, cfg)
	srv := hookServer(t, s, WebhookConfig{Secret: secret})

	if code, _ := githubPush("refs/heads/main").send(t, srv.URL); code != http.StatusAccepted {
		t.Fatalf("first push: %d", code)
	}
	<-entered // the first sync is running (blocked in OnSync)
	for range 20 {
		if code, _ := githubPush("refs/heads/main").send(t, srv.URL); code != http.StatusAccepted {
			t.Fatalf("burst push: %d", code)
		}
	}
	release <- struct{}{}
	<-entered // the one sync the burst coalesced into
	if n := len(s.kick); n != 0 {
		t.Fatalf("%d syncs still queued after the burst, want 0", n)
	}
	close(release)
	if n := len(entered); n != 0 {
		t.Fatalf("%d extra syncs after the burst", n)
	}
}

func TestWebhookVerification(t *testing.T) {
	u := newUpstream(t)
	u.commit("main", "one", map[string]string{"index.html": "v1"})
	s := startSyncer(t, Config{URL: u.fileURL(), Branch: "main", Interval: -1})
	srv := hookServer(t, s, WebhookConfig{Secret: secret, MaxBody: 4096})

	push := `{"ref":"refs/heads/main"}`
	other := `{"ref":"refs/heads/feature"}`
	form := "payload=" + url.QueryEscape(push)
	cases := []struct {
		name string
		req  hookRequest
		want int
	}{
		{"github signed", githubPush("refs/heads/main"), 202},
		{"github form-encoded", hookRequest{contentType: "application/x-www-form-urlencoded", header: map[string]string{"X-GitHub-Event": "push", "X-Hub-Signature-256": "sha256=" + sign(form)}, body: form}, 202},
		{"github other branch", githubPush("refs/heads/feature"), 200},
		{"github ping", hookRequest{header: map[string]string{"X-GitHub-Event": "ping", "X-Hub-Signature-256": "sha256=" + sign(`{}`)}, body: `{}`}, 200},
		{"github issue event", hookRequest{header: map[string]string{"X-GitHub-Event": "issues", "X-Hub-Signature-256": "sha256=" + sign(`{}`)}, body: `{}`}, 200},
		{"github no signature", hookRequest{header: map[string]string{"X-GitHub-Event": "push"}, body: push}, 401},
		{"github wrong signature", hookRequest{header: map[string]string{"X-GitHub-Event": "push", "X-Hub-Signature-256": "sha256=" + sign(other)}, body: push}, 403},
		{"github sha1 only", hookRequest{header: map[string]string{"X-GitHub-Event": "push", "X-Hub-Signature-256": "sha1=" + sign(push)}, body: push}, 403},
		{"github signature not hex", hookRequest{header: map[string]string{"X-GitHub-Event": "push", "X-Hub-Signature-256": "sha256=zz"}, body: push}, 403},
		{"gitlab token", hookRequest{header: map[string]string{"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": secret}, body: push}, 202},
		{"gitlab tag push, tag not tracked", hookRequest{header: map[string]string{"X-Gitlab-Event": "Tag Push Hook", "X-Gitlab-Token": secret}, body: `{"ref":"refs/tags/v1"}`}, 200},
		{"gitlab wrong token", hookRequest{header: map[string]string{"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": secret + "x"}, body: push}, 403},
		{"gitlab no token", hookRequest{header: map[string]string{"X-Gitlab-Event": "Push Hook"}, body: push}, 401},
		{"gitea", hookRequest{header: map[string]string{"X-Gitea-Event": "push", "X-GitHub-Event": "push", "X-Gitea-Signature": sign(push)}, body: push}, 202},
		{"gitea wrong", hookRequest{header: map[string]string{"X-Gitea-Event": "push", "X-Gitea-Signature": sign(other)}, body: push}, 403},
		{"gogs", hookRequest{header: map[string]string{"X-Gogs-Event": "push", "X-Gogs-Signature": sign(push)}, body: push}, 202},
		{"gogs missing", hookRequest{header: map[string]string{"X-Gogs-Event": "push"}, body: push}, 401},
		{"generic bearer, no body", hookRequest{header: map[string]string{"Authorization": "Bearer " + secret}}, 202},
		{"generic bearer, other ref", hookRequest{header: map[string]string{"Authorization": "Bearer " + secret}, body: other}, 200},
		{"generic hmac", hookRequest{header: map[string]string{"X-Hub-Signature-256": "sha256=" + sign(push)}, body: push}, 202},
		{"generic wrong bearer", hookRequest{header: map[string]string{"Authorization": "Bearer nope"}}, 403},
		{"generic basic auth", hookRequest{header: map[string]string{"Authorization": "Basic " + secret}}, 403},
		{"generic nothing", hookRequest{}, 401},
		{"signed garbage payload", hookRequest{header: map[string]string{"X-GitHub-Event": "push", "X-Hub-Signature-256": "sha256=" + sign("not json")}, body: "not json"}, 400},
		{"json sent form-encoded", hookRequest{contentType: "application/x-www-form-urlencoded", header: map[string]string{"X-GitHub-Event": "push", "X-Hub-Signature-256": "sha256=" + sign(push)}, body: push}, 400},
		{"too large", hookRequest{header: map[string]string{"X-GitHub-Event": "push"}, body: strings.Repeat("x", 5000)}, 413},
		{"GET", hookRequest{method: http.MethodGet}, 405},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body := c.req.send(t, srv.URL)
			if code != c.want {
				t.Fatalf("status %d (%q), want %d", code, body, c.want)
			}
			if code == http.StatusBadRequest {
				// The sender's mistake is named, and nothing of the body.
				if !strings.Contains(body, "not a push event") || strings.Contains(body, secret) || strings.Contains(body, "not json") {
					t.Fatalf("400 body %q does not say what is wrong (or says too much)", body)
				}
				return
			}
			if code >= 400 {
				// A bare status line: nothing about which check failed.
				if want := http.StatusText(code); !strings.Contains(body, want) || strings.Contains(body, "signature") || strings.Contains(body, secret) {
					t.Fatalf("error body %q says more than %q", body, want)
				}
			}
		})
	}
}

func TestWebhookNotRunning(t *testing.T) {
	s, err := New(Config{URL: "https://example.invalid/r.git", Dest: t.TempDir()})
	must(t, err)
	defer s.Close()
	srv := hookServer(t, s, WebhookConfig{})
	if code, _ := githubPush("refs/heads/main").send(t, srv.URL); code != http.StatusServiceUnavailable {
		t.Fatalf("webhook of a Syncer never started: %d, want 503", code)
	}
	if _, err := s.Webhook(WebhookConfig{MaxBody: -1}); err == nil || !strings.Contains(err.Error(), "WebhookConfig.MaxBody") {
		t.Fatalf("negative MaxBody: %v", err)
	}
}
