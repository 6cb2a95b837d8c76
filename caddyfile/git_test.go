package caddyfile

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// TestGitDeploysAndHookUpdates clones a real repository into the site root
// when the file loads, serves the deployed revision, and takes a new commit
// when the webhook is called, together with what then built for it.
func TestGitDeploysAndHookUpdates(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("SKIPPING: git is not installed")
	}
	repo := t.TempDir()
	git(t, repo, "init", "-q", "-b", "main")
	writeFiles(t, repo, map[string]string{"index.html": "revision one"})
	git(t, repo, "add", ".")
	git(t, repo, "commit", "-q", "-m", "one")

	site := t.TempDir()
	_, urls := serve(t, `
:0 {
	root {$SITE}
	git {
		repo {$REPO}
		branch main
		interval 1h
		hook /_deploy s3cret
		then sh -c "cp index.html built.html"
	}
}
`, map[string]string{"SITE": site, "REPO": repo})
	if res, body := fetch(t, urls[0]+"/", ""); res.StatusCode != 200 || body != "revision one" {
		t.Fatalf("after load: %d %q", res.StatusCode, body)
	}
	if _, body := fetch(t, urls[0]+"/built.html", ""); body != "revision one" {
		t.Fatalf("then's output after load: %q", body)
	}
	if res, _ := fetch(t, urls[0]+"/.git/HEAD", ""); res.StatusCode != 404 {
		t.Fatalf(".git reachable: %d", res.StatusCode)
	}

	writeFiles(t, repo, map[string]string{"index.html": "revision two"})
	git(t, repo, "commit", "-q", "-am", "two")
	req, _ := http.NewRequest("POST", urls[0]+"/_deploy", strings.NewReader(`{"ref":"refs/heads/main"}`))
	req.Header.Set("Authorization", "Bearer wrong")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode < 400 {
		t.Fatalf("hook with a wrong secret: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	req, _ = http.NewRequest("POST", urls[0]+"/_deploy", strings.NewReader(`{"ref":"refs/heads/main"}`))
	req.Header.Set("Authorization", "Bearer s3cret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("hook: %d", res.StatusCode)
	}
	// The sync runs in gitsync's goroutine, which tells nobody outside the
	// Config; poll what a user would poll: the page.
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, body := fetch(t, urls[0]+"/", ""); body == "revision two" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the new revision was not served after the hook")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// then ran in the new revision's folder before it went live.
	if _, body := fetch(t, urls[0]+"/built.html", ""); body != "revision two" {
		t.Fatalf("then's output with the new revision: %q", body)
	}
}
