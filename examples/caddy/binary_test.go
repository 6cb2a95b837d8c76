package main

import (
	"bufio"
	"io"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBinaryWithCurl runs the built command as a user would: a Caddyfile in
// the working directory, curl for requests, kill -USR1 to reload, and
// SIGTERM to stop.
func TestBinaryWithCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("SKIPPING: curl is not installed")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("SKIPPING: no go tool to build the command")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "caddy")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	write(t, filepath.Join(dir, "site", "index.html"), strings.Repeat("<p>first</p>", 100))
	write(t, filepath.Join(dir, "other", "index.html"), "second")
	write(t, filepath.Join(dir, "Caddyfile"), ":0\nroot site\ngzip\nlog stdout\n")

	cmd := exec.Command(bin, "-host", "127.0.0.1")
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		exited <- cmd.Wait()
	}()
	defer func() {
		cmd.Process.Kill()
		for range lines {
		}
		<-exited
	}()
	waitFor := func(re *regexp.Regexp) []string {
		t.Helper()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("the command exited before logging %s", re)
				}
				if m := re.FindStringSubmatch(l); m != nil {
					return m
				}
			case <-timeout:
				t.Fatalf("no log line matching %s", re)
			}
		}
	}
	addr := waitFor(regexp.MustCompile(`listening addr=(127\.0\.0\.1:\d+)`))[1]
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(curl, append([]string{"-sS"}, args...)...).Output()
		if err != nil {
			t.Fatalf("curl %v: %v", args, err)
		}
		return string(out)
	}
	if got := run("--compressed", "http://"+addr+"/"); !strings.HasPrefix(got, "<p>first</p>") {
		t.Fatalf("first config: %.40q", got)
	}
	if got := run("-o", "/dev/null", "-w", "%{content_type} %header{content-encoding}", "-H", "Accept-Encoding: gzip", "http://"+addr+"/"); !strings.HasSuffix(got, " gzip") {
		t.Fatalf("gzip: %q", got)
	}

	write(t, filepath.Join(dir, "Caddyfile"), ":0\nroot other\n")
	cmd.Process.Signal(syscall.SIGUSR1)
	waitFor(regexp.MustCompile(`configuration reloaded`))
	if got := run("http://" + addr + "/"); got != "second" {
		t.Fatalf("after SIGUSR1: %q", got)
	}
	write(t, filepath.Join(dir, "Caddyfile"), ":0\nroot other\nbrowse /x /no/template\n")
	cmd.Process.Signal(syscall.SIGUSR1)
	waitFor(regexp.MustCompile(`reload failed; the running configuration stays err=".*Caddyfile:3:11: browse: template`))
	if got := run("http://" + addr + "/"); got != "second" {
		t.Fatalf("after a bad file: %q", got)
	}

	// Serving the folder that holds the Caddyfile and the access log
	// (issue 17 item 13): neither is served, the rest of the folder is.
	write(t, filepath.Join(dir, "Caddyfile"), ":0\nroot .\nlog access.log\nbrowse\n# hook secret s3cret\n")
	cmd.Process.Signal(syscall.SIGUSR1)
	waitFor(regexp.MustCompile(`configuration reloaded`))
	status := func(path string) string {
		t.Helper()
		return run("-o", "/dev/null", "-w", "%{http_code}", "http://"+addr+path)
	}
	for path, want := range map[string]string{
		"/other/": "200", "/Caddyfile": "404", "/access.log": "404",
	} {
		if got := status(path); got != want {
			t.Errorf("GET %s: %s, want %s", path, got, want)
		}
	}
	if got := run("http://" + addr + "/"); strings.Contains(got, "Caddyfile") || strings.Contains(got, "access.log") || !strings.Contains(got, "other") {
		t.Errorf("the listing shows the Caddyfile or the log, or not the rest: %.300q", got)
	}

	// -validate refuses what would serve the wrong folder or not run.
	for conf, want := range map[string]string{
		":0\nroot {$HTTPMW_UNSET_ROOT}\n": "Caddyfile:2:6: root: {$HTTPMW_UNSET_ROOT} is not set or empty (line 2)",
		":0\nfastcgi / unix: php\n":       `Caddyfile:2:11: fastcgi: endpoint "unix:"`,
		":0\nlog /api {combined}\n":       `Caddyfile:2:10: log: file name "{combined}" looks like a log format`,
		":0\ngzip\ntemplates\n":           "Caddyfile:3:1: templates (line 3): a Caddy 0.7 directive not supported by httpmw",
	} {
		write(t, filepath.Join(dir, "bad.conf"), conf)
		v := exec.Command(bin, "-validate", "-conf", "bad.conf")
		v.Dir = dir
		out, err := v.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "bad.conf:"+strings.TrimPrefix(want, "Caddyfile:")) {
			t.Errorf("-validate %q: %v\n%s\nwant %s", conf, err, out, want)
		}
	}

	cmd.Process.Signal(syscall.SIGTERM)
	for range lines {
	}
	if err := <-exited; err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	exited <- nil // for the deferred cleanup
}
