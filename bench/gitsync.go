package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/httpmw/httpmw/gitsync"
)

// The gitsync comparison: an initial shallow clone and an incremental sync
// of a repository with 5,000 files and 1,000 commits, against the git CLI
// doing the same (clone --depth 1; fetch --depth 1 + checkout).
//
// Each side runs in a child process (this binary again, chosen by
// gitsyncChildEnv), so its peak RSS is its own: ours is the Go process
// doing the sync (VmHWM, reset just before), git's is the largest process
// of its tree (git, upload-pack, index-pack: RUSAGE_CHILDREN). CPU time
// counts every process on both sides, the serving git-upload-pack included
// (go-git spawns it for file:// URLs, git clone does too).

const (
	gitsyncChildEnv = "HTTPMW_BENCH_GITSYNC_CHILD" // mode for the child
	gitsyncFiles    = 5000
	gitsyncCommits  = 1000
	gitsyncRuns     = 3
)

func gitsyncComparisons() []Comparison {
	fx := &gitsyncFixture{users: 4}
	return []Comparison{
		{
			Package: "gitsync", Case: fmt.Sprintf("clone %d files %d commits", gitsyncFiles, gitsyncCommits),
			Ours:  fx.clone("ours"),
			Peers: []Peer{{"git clone --depth 1", fx.clone("git")}},
		},
		{
			Package: "gitsync", Case: "incremental sync (10 commits, 200 files changed)",
			Ours:  fx.sync("ours"),
			Peers: []Peer{{"git fetch --depth 1 + checkout", fx.sync("git")}},
		},
	}
}

// gitsyncFixture builds the upstream repository once, on first use.
type gitsyncFixture struct {
	once       sync.Once
	err        error
	mu         sync.Mutex
	users      int    // runners left; the last one removes dir
	dir        string // temp root
	url        string // file:// of the bare upstream
	base, next string // main's tip, and 10 commits later
}

func (fx *gitsyncFixture) setup() error {
	fx.once.Do(func() { fx.err = fx.build() })
	return fx.err
}

// done is called by each runner when it finishes. Runs skipped by -run
// leave the temp folder behind.
func (fx *gitsyncFixture) done() {
	fx.mu.Lock()
	defer fx.mu.Unlock()
	if fx.users--; fx.users == 0 && fx.dir != "" {
		os.RemoveAll(fx.dir)
	}
}

func (fx *gitsyncFixture) build() error {
	if _, err := exec.LookPath("git"); err != nil {
		return fmt.Errorf("git CLI not installed")
	}
	dir, err := os.MkdirTemp("", "httpmw-bench-gitsync")
	if err != nil {
		return err
	}
	fx.dir = dir
	bare := filepath.Join(dir, "up.git")
	fx.url = "file://" + bare
	if _, err := runGit(dir, "init", "-q", "--bare", "-b", "main", bare); err != nil {
		return err
	}
	// fast-import writes 1,010 commits in a second or two.
	var stream bytes.Buffer
	rng := rand.New(rand.NewPCG(1, 2))
	content := func(i, rev int) string {
		var b strings.Builder
		fmt.Fprintf(&b, "<!doctype html><title>page %d rev %d</title>\n", i, rev)
		for b.Len() < 1024 {
			fmt.Fprintf(&b, "<p>%x %d</p>\n", rng.Uint64(), rng.IntN(1e6))
		}
		return b.String()
	}
	path := func(i int) string { return fmt.Sprintf("d%02d/page%04d.html", i%50, i) }
	commit := func(ref string, n, parent int, files []int) {
		fmt.Fprintf(&stream, "commit %s\nmark :%d\ncommitter Bench <bench@example.com> %d +0000\n", ref, n, 1700000000+n)
		msg := fmt.Sprintf("commit %d", n)
		fmt.Fprintf(&stream, "data %d\n%s\n", len(msg), msg)
		if parent > 0 {
			fmt.Fprintf(&stream, "from :%d\n", parent)
		}
		for _, i := range files {
			c := content(i, n)
			fmt.Fprintf(&stream, "M 100644 inline %s\ndata %d\n%s\n", path(i), len(c), c)
		}
	}
	all := make([]int, gitsyncFiles)
	for i := range all {
		all[i] = i
	}
	commit("refs/heads/main", 1, 0, all)
	for n := 2; n <= gitsyncCommits; n++ {
		commit("refs/heads/main", n, n-1, []int{rng.IntN(gitsyncFiles), rng.IntN(gitsyncFiles), rng.IntN(gitsyncFiles)})
	}
	for n := gitsyncCommits + 1; n <= gitsyncCommits+10; n++ {
		files := make([]int, 20)
		for i := range files {
			files[i] = rng.IntN(gitsyncFiles)
		}
		commit("refs/heads/next", n, n-1, slices.Compact(slices.Sorted(slices.Values(files))))
	}
	cmd := exec.Command("git", "fast-import", "--quiet")
	cmd.Dir, cmd.Env, cmd.Stdin = bare, gitEnvFor(dir), &stream
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("fast-import: %v: %s", err, out)
	}
	if _, err := runGit(bare, "gc", "-q"); err != nil { // one pack, as a hosted remote has
		return err
	}
	if fx.base, err = runGit(bare, "rev-parse", "main"); err != nil {
		return err
	}
	fx.next, err = runGit(bare, "rev-parse", "next")
	return err
}

// clone measures a fresh shallow clone, gitsyncRuns times.
func (fx *gitsyncFixture) clone(side string) Runner {
	return func() (Figures, error) {
		defer fx.done()
		if err := fx.setup(); err != nil {
			return nil, err
		}
		if _, err := runGit(fx.dir, "--git-dir", filepath.Join(fx.dir, "up.git"), "update-ref", "refs/heads/main", fx.base); err != nil {
			return nil, err
		}
		var runs []gitsyncResult
		for i := range gitsyncRuns {
			dest := filepath.Join(fx.dir, fmt.Sprintf("%s-clone-%d", side, i))
			r, err := fx.child(side+"-clone", dest)
			os.RemoveAll(dest)
			if err != nil {
				return nil, err
			}
			runs = append(runs, r)
		}
		return summarize(runs), nil
	}
}

// sync measures fetching and checking out 10 new commits into a clone made
// by the same side (not measured).
func (fx *gitsyncFixture) sync(side string) Runner {
	return func() (Figures, error) {
		defer fx.done()
		if err := fx.setup(); err != nil {
			return nil, err
		}
		upstream := filepath.Join(fx.dir, "up.git")
		defer runGit(fx.dir, "--git-dir", upstream, "update-ref", "refs/heads/main", fx.base)
		var runs []gitsyncResult
		for i := range gitsyncRuns {
			dest := filepath.Join(fx.dir, fmt.Sprintf("%s-sync-%d", side, i))
			if _, err := runGit(fx.dir, "--git-dir", upstream, "update-ref", "refs/heads/main", fx.base); err != nil {
				return nil, err
			}
			if _, err := fx.child(side+"-clone", dest); err != nil {
				return nil, err
			}
			if _, err := runGit(fx.dir, "--git-dir", upstream, "update-ref", "refs/heads/main", fx.next); err != nil {
				return nil, err
			}
			r, err := fx.child(side+"-sync", dest)
			os.RemoveAll(dest)
			if err != nil {
				return nil, err
			}
			runs = append(runs, r)
		}
		return summarize(runs), nil
	}
}

type gitsyncResult struct {
	MS     float64 `json:"ms"`     // wall clock
	CPUMS  float64 `json:"cpu_ms"` // user + system, of every process involved
	RSSKiB float64 `json:"rss_kib"`
}

// summarize reports median times and the highest peak RSS. CPU time is
// the steadier figure on a busy machine, where wall time mostly measures
// the wait for a core.
func summarize(runs []gitsyncResult) Figures {
	var ms, cpu []float64
	rss := 0.0
	for _, r := range runs {
		ms = append(ms, r.MS)
		cpu = append(cpu, r.CPUMS)
		rss = max(rss, r.RSSKiB)
	}
	slices.Sort(ms)
	slices.Sort(cpu)
	return Figures{"ms": ms[len(ms)/2], "cpu ms": cpu[len(cpu)/2], "peak RSS KiB": rss}
}

// child runs one measurement in a fresh process of this binary.
func (fx *gitsyncFixture) child(mode, dest string) (gitsyncResult, error) {
	exe, err := os.Executable()
	if err != nil {
		return gitsyncResult{}, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(gitEnvFor(fx.dir), gitsyncChildEnv+"="+mode, "BENCH_GITSYNC_URL="+fx.url, "BENCH_GITSYNC_DEST="+dest)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return gitsyncResult{}, fmt.Errorf("%s: %v: %s", mode, err, stderr.String())
	}
	var r gitsyncResult
	if err := json.Unmarshal(out, &r); err != nil {
		return r, fmt.Errorf("%s: %v: %q", mode, err, out)
	}
	return r, nil
}

// gitsyncChild does one measured operation and prints its figures.
func gitsyncChild(mode string) {
	url, dest := os.Getenv("BENCH_GITSYNC_URL"), os.Getenv("BENCH_GITSYNC_DEST")
	var err error
	var who int
	// The child is this whole bench binary, and the other comparisons'
	// constructors have run in it; free what they allocated and reset the
	// kernel's peak RSS mark (clear_refs 5), so ours is what the sync needs.
	runtime.GC()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	var before syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	start := time.Now()
	switch mode {
	case "ours-clone", "ours-sync":
		who = syscall.RUSAGE_SELF
		var s *gitsync.Syncer
		s, err = gitsync.New(gitsync.Config{URL: url, Dest: dest, Branch: "main", Interval: -1, Logger: slog.New(slog.DiscardHandler)})
		if err == nil {
			err = s.Sync(context.Background())
			s.Close()
		}
	case "git-clone":
		who = syscall.RUSAGE_CHILDREN
		_, err = runGit(filepath.Dir(dest), "clone", "-q", "--depth", "1", "--branch", "main", url, dest)
	case "git-sync":
		who = syscall.RUSAGE_CHILDREN
		if _, err = runGit(dest, "fetch", "-q", "--depth", "1", "origin", "main"); err == nil {
			_, err = runGit(dest, "checkout", "-q", "-f", "FETCH_HEAD")
		}
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	elapsed := time.Since(start)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	rss := float64(ru.Maxrss)
	if who == syscall.RUSAGE_SELF {
		cpu -= time.Duration(before.Utime.Nano() + before.Stime.Nano())
		if peak, err := PeakRSS(os.Getpid()); err == nil {
			rss = peak // VmHWM since the reset above
		}
		// go-git runs git-upload-pack itself for file:// remotes: count
		// that server side as git's figures count theirs.
		var kids syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids); err == nil {
			cpu += time.Duration(kids.Utime.Nano() + kids.Stime.Nano())
			rss = max(rss, float64(kids.Maxrss))
		}
	}
	json.NewEncoder(os.Stdout).Encode(gitsyncResult{
		MS: float64(elapsed.Microseconds()) / 1000, CPUMS: float64(cpu.Microseconds()) / 1000, RSSKiB: rss,
	})
	os.Exit(0)
}

func runGit(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = dir, gitEnvFor(dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

func gitEnvFor(home string) []string {
	return append(os.Environ(), "HOME="+home, "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0")
}
