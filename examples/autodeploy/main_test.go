package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/httpmw/httpmw/gitsync"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// repo is a repository made with the git CLI, served over file://.
type repo struct {
	t   *testing.T
	dir string
}

func newRepo(t *testing.T) *repo {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("SKIPPED: the git CLI is not installed (apt-get install git)")
	}
	r := &repo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	return r
}

func (r *repo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
	cmd.Dir = r.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit writes index.html and commits it; it returns the commit hash.
func (r *repo) commit(index string) string {
	r.t.Helper()
	if err := os.WriteFile(filepath.Join(r.dir, "index.html"), []byte(index), 0o644); err != nil {
		r.t.Fatal(err)
	}
	r.git("add", "-A")
	r.git("commit", "-q", "-m", index)
	return r.git("rev-parse", "HEAD")
}

// githubPush is a push delivery as GitHub sends it, signed with key ("":
// unsigned).
func githubPush(t *testing.T, url, key string) int {
	t.Helper()
	body := `{"ref":"refs/heads/main","repository":{"full_name":"you/site"}}`
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(body))
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	if key != "" {
		req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func get(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %q", url, res.StatusCode, b)
	}
	return string(b)
}

// TestWebhookDeploysANewCommit runs the command against a real repository:
// the first revision is served, a signed push deploys the next one, and
// badly signed or unsigned pushes are refused and leave the site as it was.
func TestWebhookDeploysANewCommit(t *testing.T) {
	r := newRepo(t)
	r.commit("v1")
	ready := make(chan string, 1)
	synced := make(chan gitsync.Status, 10)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, options{
			repo: "file://" + r.dir, branch: "main", dest: filepath.Join(t.TempDir(), "deploy"),
			listen: "127.0.0.1:0", hook: "/_deploy", secret: "s3cret", // no polling: only the hook deploys
			ready:  func(url string) { ready <- url },
			onSync: func(st gitsync.Status, _ error) { synced <- st },
		})
	}()
	var url string
	select {
	case url = <-ready:
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("autodeploy did not start")
	}
	defer http.DefaultClient.CloseIdleConnections()
	if got := get(t, url); got != "v1" {
		t.Fatalf("GET / = %q, want v1", got)
	}

	want := r.commit("v2")
	if code := githubPush(t, url+"_deploy", "wrong secret"); code != http.StatusForbidden {
		t.Fatalf("push signed with another secret: %d, want 403", code)
	}
	if code := githubPush(t, url+"_deploy", ""); code != http.StatusUnauthorized {
		t.Fatalf("unsigned push: %d, want 401", code)
	}
	if got := get(t, url); got != "v1" {
		t.Fatalf("after a refused push, GET / = %q, want v1", got)
	}
	if code := githubPush(t, url+"_deploy", "s3cret"); code != http.StatusAccepted {
		t.Fatalf("signed push: %d, want 202", code)
	}
	for deployed := false; !deployed; {
		select {
		case st := <-synced:
			deployed = st.Revision == want
		case <-time.After(30 * time.Second): // a deadlock guard, not a timing assertion
			t.Fatal("the signed push deployed nothing")
		}
	}
	if got := get(t, url); got != "v2" {
		t.Fatalf("after the signed push, GET / = %q, want v2", got)
	}

	stop()
	if err := <-done; err != nil {
		t.Fatalf("run after shutdown: %v", err)
	}
}

func TestRepoRequired(t *testing.T) {
	if err := run(context.Background(), options{listen: "127.0.0.1:0"}); err == nil || !strings.Contains(err.Error(), "-repo") {
		t.Fatalf("run without -repo: %v", err)
	}
}

// TestThenFlag: -then is one command line for /bin/sh -c (issue 16 item
// 10); a first deploy whose -then fails is not served, and run says why.
func TestThenFlag(t *testing.T) {
	o, err := parseFlags([]string{"-repo", "file:///r", "-then", `npm ci && npm run build > build.log`, "-then-timeout", "2m"})
	if err != nil || o.then != `npm ci && npm run build > build.log` || o.thenTimeout != 2*time.Minute {
		t.Fatalf("parseFlags = %+v, %v", o, err)
	}
	if _, err := parseFlags([]string{"-then", "make", "site"}); err == nil || !strings.Contains(err.Error(), `"site"`) {
		t.Fatalf("an unquoted -then command line: %v, want an error naming the stray argument", err)
	}

	r := newRepo(t)
	r.commit("v1")
	served := false
	err = run(context.Background(), options{
		repo: "file://" + r.dir, dest: filepath.Join(t.TempDir(), "deploy"), listen: "127.0.0.1:0",
		then:  `echo "building $GITSYNC_HASH"; exit 3`,
		ready: func(string) { served = true },
	})
	if !errors.Is(err, gitsync.ErrThen) || !strings.Contains(err.Error(), "exit status 3") || served {
		t.Fatalf("first deploy with a failing -then: served=%v, err=%v; want ErrThen (exit status 3) and nothing served", served, err)
	}
}
