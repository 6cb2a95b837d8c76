package caddyfile

import (
	"os/exec"
	"strings"
	"testing"
)

// TestGitPathUnderRootIsServed deploys a repository to a folder of the
// site ("git repo pub") and fetches its files at /pub/current/, where the
// directive's doc puts them. The root's file server alone answered 404:
// the link leads into pub/.worktrees, a dot folder.
func TestGitPathUnderRootIsServed(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("SKIPPING: git is not installed")
	}
	repo := t.TempDir()
	git(t, repo, "init", "-q", "-b", "main")
	writeFiles(t, repo, map[string]string{"page.html": "from git", "docs/a.txt": "a", ".env": "SECRET=1"})
	git(t, repo, "add", ".")
	git(t, repo, "commit", "-q", "-m", "one")

	site := t.TempDir()
	writeFiles(t, site, map[string]string{"index.html": "home"})
	_, urls := serve(t, `
:0 {
	root {$SITE}
	git file://{$REPO} pub
	browse /pub/current/docs
}
`, map[string]string{"SITE": site, "REPO": repo})
	for path, want := range map[string]string{
		"/":                        "200 home",
		"/pub/current/page.html":   "200 from git",
		"/pub/current/docs/":       "200 a.txt", // listed: browse's path, less the prefix
		"/pub/current/":            "404",       // not listed
		"/pub/current/.env":        "404",
		"/pub/.git/HEAD":           "404",
		"/pub/.worktrees/":         "404",
		"/pub/currently/page.html": "404",
	} {
		res, body := fetch(t, urls[0]+path, "")
		code, text, _ := strings.Cut(want, " ")
		if got := res.Status[:3]; got != code || !strings.Contains(body, text) {
			t.Errorf("GET %s: %s %.100q, want %s", path, res.Status, body, want)
		}
	}
}
