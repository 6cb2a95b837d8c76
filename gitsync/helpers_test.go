package gitsync

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/testgit"
)

// requireGit skips loudly when the git CLI is missing; CI installs it.
func requireGit(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("git")
	if err != nil {
		t.Skip("SKIPPED: the git CLI is not installed (apt-get install git); these tests need real repositories")
	}
	return p
}

// upstream is a bare repository (what gitsync fetches) and a working clone
// that commits and pushes to it, both made with the git CLI.
type upstream struct {
	t    testing.TB
	root string // holds site.git
	bare string
	work string
}

func newUpstream(t testing.TB) *upstream {
	requireGit(t)
	root := t.TempDir()
	u := &upstream{t: t, root: root, bare: filepath.Join(root, "site.git"), work: filepath.Join(t.TempDir(), "work")}
	u.run(root, "init", "-q", "--bare", "-b", "main", u.bare)
	u.run(root, "init", "-q", "-b", "main", u.work)
	u.run(u.work, "remote", "add", "origin", u.bare)
	return u
}

func gitEnv(home string) []string { return testgit.Env(home) }

func (u *upstream) run(dir string, args ...string) string {
	u.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv(u.root)
	out, err := cmd.CombinedOutput()
	if err != nil {
		u.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit writes files (an empty content deletes the file), commits, and
// force-pushes the branch; it returns the new commit's hash.
func (u *upstream) commit(branch, msg string, files map[string]string) string {
	u.t.Helper()
	for name, content := range files {
		p := filepath.Join(u.work, name)
		if content == "" {
			_ = os.Remove(p)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			u.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			u.t.Fatal(err)
		}
	}
	u.run(u.work, "add", "-A")
	u.run(u.work, "commit", "-q", "--allow-empty", "-m", msg)
	u.run(u.work, "push", "-q", "-f", "origin", "HEAD:refs/heads/"+branch)
	return u.run(u.work, "rev-parse", "HEAD")
}

func (u *upstream) fileURL() string { return "file://" + u.bare }

// serveGitDaemon serves root over git:// with the real git daemon.
func serveGitDaemon(t testing.TB, root string) *testgit.Daemon {
	t.Helper()
	requireGit(t)
	return testgit.StartDaemon(t, root)
}

// gitHTTP serves root over smart HTTP with the real git http-backend under
// net/http/cgi. While down is set it answers 503, as a remote in trouble.
type gitHTTP struct {
	*httptest.Server
	down     atomic.Bool
	user     string // basic auth required when set
	password atomic.Value
}

func serveGitHTTP(t testing.TB, root string) *gitHTTP {
	t.Helper()
	requireGit(t)
	execPath, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		t.Fatal(err)
	}
	backend := &cgi.Handler{
		Path: filepath.Join(strings.TrimSpace(string(execPath)), "git-http-backend"),
		Env:  []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1", "HOME=" + root},
	}
	g := &gitHTTP{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if g.down.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		if g.user != "" {
			u, p, ok := r.BasicAuth()
			if !ok || u != g.user || p != g.password.Load().(string) {
				w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(g.Close)
	return g
}

// syncEvents collects OnSync calls on a channel.
type syncEvent struct {
	st  Status
	err error
}

func syncEvents() (func(Status, error), chan syncEvent) {
	ch := make(chan syncEvent, 100)
	return func(st Status, err error) { ch <- syncEvent{st, err} }, ch
}

// waitSync returns the next sync event matching ok, failing after a
// generous deadline (a deadlock guard, not a timing assertion).
func waitSync(t testing.TB, ch <-chan syncEvent, ok func(syncEvent) bool) syncEvent {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case ev := <-ch:
			if ok(ev) {
				return ev
			}
		case <-deadline:
			t.Fatal("no matching sync within 30s")
		}
	}
}

func readServed(t testing.TB, s *Syncer, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.Dir(), name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// testLogger keeps log output for assertions and shows it on failure.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newTestLogger() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// startSyncer builds, starts and registers cleanup for a Syncer.
func startSyncer(t testing.TB, cfg Config) *Syncer {
	t.Helper()
	if cfg.Dest == "" {
		cfg.Dest = filepath.Join(t.TempDir(), "site")
	}
	if cfg.Logger == nil {
		cfg.Logger, _ = newTestLogger()
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return s
}
