package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/testfpm"
	"golang.org/x/crypto/bcrypt"
)

// combinedCaddyfile uses every directive httpmw runs in one site, the way
// a Caddy 0.7 user would write it (issue 21, "Done when"). The {$...}
// placeholders are the test's loopback endpoints and the git repository.
const combinedCaddyfile = `:0 {
	root .
	git {
		repo  {$REPO}
		path  deployed
		branch main
		hook  /_deploy s3cret
	}
	log access.log
	gzip
	errors {
		404 404.html
		log error.log
	}
	header / X-Combined yes
	rewrite /about-us /about
	rewrite /greet /php/hello.php
	rewrite /blog {
		r  ^/(\d{4})/([a-z-]+)$
		to /posts/{1}-{2}.html
	}
	redir /old /about
	redir /temp /about 302
	ext .html
	basicauth /admin alice s3cret
	basicauth /staff bob BCRYPT
	internal /protected
	proxy /app {$APP}
	proxy /down 127.0.0.1:1
	fastcgi /php {$FPM} php
	browse /files
}
`

// TestCombinedCaddyfileWithCurl writes a site and a Caddyfile with every
// directive, validates it with -validate, serves it with the built
// command, and checks with curl what a client gets from each directive
// and from them together.
func TestCombinedCaddyfileWithCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("SKIPPING: curl is not installed (apt-get install curl); CI installs it")
	}
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Skip("SKIPPING: git is not installed (apt-get install git); CI installs it")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("SKIPPING: no go tool to build the command")
	}
	fpm := testfpm.Start(t, testfpm.Options{Children: 2}) // skips loudly without php-fpm

	tmp := t.TempDir()
	bin := filepath.Join(tmp, "caddy")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}

	// A real repository, reached over file:// as the git directive allows.
	repo := filepath.Join(tmp, "repo")
	gitCmd := func(args ...string) {
		t.Helper()
		cmd := exec.Command(gitBin, append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	write(t, filepath.Join(repo, "page.html"), "from git, revision one")
	gitCmd("init", "-q", "-b", "main")
	gitCmd("add", ".")
	gitCmd("commit", "-q", "-m", "one")

	// The upstream the proxy forwards to: a real loopback server.
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/app/hello":
			fmt.Fprintf(w, "upstream saw %s %s", r.Method, r.URL.RequestURI())
		case "/app/report":
			w.Header().Set("X-Accel-Redirect", "/protected/report.txt")
			io.WriteString(w, "the upstream's own body")
		default:
			http.NotFound(w, r)
		}
	}))
	defer app.Close()

	hash, err := bcrypt.GenerateFromPassword([]byte("hunter2"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	site := filepath.Join(tmp, "site")
	files := map[string]string{
		"index.html":            strings.Repeat("<p>home</p>\n", 200),
		"about.html":            "about us",
		"404.html":              "<h1>custom not found</h1>",
		"posts/2015-hello.html": "hello post",
		"admin.html":            "admin page",
		"staff/notes.txt":       "staff notes",
		"protected/report.txt":  "quarterly numbers",
		"files/a.txt":           "a",
		"files/b.txt":           "b",
		"php/hello.php":         `<?php echo "php says ", 6*7, " to ", htmlspecialchars($_GET["name"] ?? "nobody"), " at ", $_SERVER["REQUEST_URI"];`,
		"php/report.php":        `<?php header("X-Accel-Redirect: /protected/report.txt"); echo "php's own body";`,
		"Caddyfile":             strings.ReplaceAll(combinedCaddyfile, "BCRYPT", string(hash)),
	}
	for name, body := range files {
		write(t, filepath.Join(site, filepath.FromSlash(name)), body)
	}
	env := append(os.Environ(),
		"REPO=file://"+repo,
		"APP="+strings.TrimPrefix(app.URL, "http://"),
		"FPM="+fpm.Addr,
	)

	// -validate passes, and starts nothing: no clone yet.
	v := exec.Command(bin, "-validate")
	v.Dir, v.Env = site, env
	if out, err := v.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "Caddyfile: valid" {
		t.Fatalf("-validate: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(site, "deployed")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("-validate touched the git destination: %v", err)
	}

	addr, proc := startCommand(t, bin, site, env)
	base := "http://" + addr

	// curl runs curl -sS -i and returns the head (status line and
	// headers, \r\n made \n) and the body.
	curlHead := func(args ...string) (string, string) {
		t.Helper()
		cmd := exec.Command(curl, append([]string{"-sS", "-i", "--max-time", "30"}, args...)...)
		out, err := cmd.Output()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("curl %v: exit %d: %s", args, exit.ExitCode(), exit.Stderr)
		}
		if err != nil {
			t.Fatal(err)
		}
		s := strings.ReplaceAll(string(out), "\r\n", "\n")
		// With -L, only the last response's head counts.
		for {
			head, body, _ := strings.Cut(s, "\n\n")
			if !strings.HasPrefix(body, "HTTP/") {
				return head, body
			}
			s = body
		}
	}

	notFound := "<h1>custom not found</h1>"
	for _, tc := range []struct {
		name    string
		args    []string // curl arguments before the URL
		path    string
		status  string
		body    string   // exact; "" with bodyHas set means "contains"
		bodyHas []string // substrings the body must have
		headers []string // "Name: value" lines the head must have
		absent  []string // text neither head nor body may have
	}{
		{name: "root index, gzip", args: []string{"--compressed", "-H", "Accept-Encoding: gzip"}, path: "/", status: "200 OK",
			body: files["index.html"], headers: []string{"Content-Encoding: gzip", "X-Combined: yes"}},
		{name: "ext clean URL", path: "/about", status: "200 OK", body: "about us", headers: []string{"X-Combined: yes"}},
		{name: "rewrite then ext", path: "/about-us", status: "200 OK", body: "about us"},
		{name: "rewrite regexp", path: "/blog/2015/hello", status: "200 OK", body: "hello post"},
		{name: "redir 301", path: "/old", status: "301 Moved Permanently", headers: []string{"Location: /about"}},
		{name: "redir 302", path: "/temp", status: "302 Found", headers: []string{"Location: /about"}},
		{name: "redir followed to ext", args: []string{"-L"}, path: "/old", status: "200 OK", body: "about us"},
		{name: "custom 404", path: "/nothing-here", status: "404 Not Found", body: notFound, headers: []string{"X-Combined: yes"}},
		{name: "basicauth none", path: "/admin", status: "401 Unauthorized",
			headers: []string{`WWW-Authenticate: Basic realm="Restricted", charset="UTF-8"`}, absent: []string{"admin page"}},
		{name: "basicauth ext file guarded", path: "/admin.html", status: "401 Unauthorized", absent: []string{"admin page"}},
		{name: "basicauth wrong", args: []string{"-u", "alice:wrong"}, path: "/admin", status: "401 Unauthorized"},
		{name: "basicauth plain", args: []string{"-u", "alice:s3cret"}, path: "/admin", status: "200 OK", body: "admin page"},
		{name: "basicauth bcrypt none", path: "/staff/notes.txt", status: "401 Unauthorized", absent: []string{"staff notes"}},
		{name: "basicauth bcrypt wrong user", args: []string{"-u", "alice:s3cret"}, path: "/staff/notes.txt", status: "401 Unauthorized"},
		{name: "basicauth bcrypt", args: []string{"-u", "bob:hunter2"}, path: "/staff/notes.txt", status: "200 OK", body: "staff notes"},
		{name: "internal from outside", path: "/protected/report.txt", status: "404 Not Found", body: notFound, absent: []string{"quarterly"}},
		{name: "proxy", path: "/app/hello?x=1", status: "200 OK", body: "upstream saw GET /app/hello?x=1", headers: []string{"X-Combined: yes"}},
		{name: "proxy X-Accel-Redirect to internal", path: "/app/report", status: "200 OK", body: "quarterly numbers",
			absent: []string{"X-Accel-Redirect", "upstream's own"}},
		{name: "proxy down", path: "/down/x", status: "502 Bad Gateway", absent: []string{"127.0.0.1:1", "refused"}},
		{name: "fastcgi", path: "/php/hello.php?name=curl", status: "200 OK", body: "php says 42 to curl at /php/hello.php?name=curl", headers: []string{"X-Combined: yes"}},
		{name: "fastcgi gzip", args: []string{"--compressed", "-H", "Accept-Encoding: gzip"}, path: "/php/hello.php?name=gz", status: "200 OK", body: "php says 42 to gz at /php/hello.php?name=gz"},
		{name: "rewrite to fastcgi", path: "/greet?name=rw", status: "200 OK", body: "php says 42 to rw at /greet?name=rw"},
		{name: "fastcgi X-Accel-Redirect to internal", path: "/php/report.php", status: "200 OK", body: "quarterly numbers",
			absent: []string{"X-Accel-Redirect", "php's own"}},
		{name: "zstd", args: []string{"--compressed"}, path: "/", status: "200 OK",
			body: files["index.html"], headers: []string{"Content-Encoding: zstd"}},
		{name: "custom 404 gzip", args: []string{"--compressed", "-H", "Accept-Encoding: gzip"}, path: "/nothing", status: "404 Not Found", body: notFound},
		{name: "browse", path: "/files/", status: "200 OK", bodyHas: []string{"a.txt", "b.txt"}, headers: []string{"X-Combined: yes"}},
		{name: "git", path: "/deployed/current/page.html", status: "200 OK", body: "from git, revision one"},
		{name: "git clean URL", path: "/deployed/current/page", status: "200 OK", body: "from git, revision one"},
		{name: "git store hidden", path: "/deployed/.git/HEAD", status: "404 Not Found", body: notFound},
		{name: "git revisions hidden", path: "/deployed/.worktrees/", status: "404 Not Found", body: notFound},
		{name: "Caddyfile hidden", path: "/Caddyfile", status: "404 Not Found", body: notFound, absent: []string{"s3cret", "hunter2"}},
		{name: "access log hidden", path: "/access.log", status: "404 Not Found", body: notFound},
		{name: "error log hidden", path: "/error.log", status: "404 Not Found", body: notFound},
	} {
		head, body := curlHead(append(tc.args, base+tc.path)...)
		if !strings.HasPrefix(head, "HTTP/1.1 "+tc.status+"\n") {
			t.Errorf("%s: GET %s: status line %q, want %s\n%s", tc.name, tc.path, strings.SplitN(head, "\n", 2)[0], tc.status, body)
			continue
		}
		if tc.body != "" && body != tc.body {
			t.Errorf("%s: GET %s: body %.200q, want %.200q", tc.name, tc.path, body, tc.body)
		}
		for _, s := range tc.bodyHas {
			if !strings.Contains(body, s) {
				t.Errorf("%s: GET %s: body lacks %q: %.300q", tc.name, tc.path, s, body)
			}
		}
		for _, h := range tc.headers {
			if !strings.Contains(strings.ToLower(head+"\n"), "\n"+strings.ToLower(h)+"\n") {
				t.Errorf("%s: GET %s: no %q in\n%s", tc.name, tc.path, h, head)
			}
		}
		for _, a := range tc.absent {
			if strings.Contains(head, a) || strings.Contains(body, a) {
				t.Errorf("%s: GET %s: %q sent:\n%s\n\n%.300s", tc.name, tc.path, a, head, body)
			}
		}
	}

	// The listing shows neither the Caddyfile nor the logs.
	if _, body := curlHead(base + "/files/"); strings.Contains(body, "Caddyfile") || strings.Contains(body, ".log") {
		t.Errorf("the listing shows the Caddyfile or a log: %.300q", body)
	}

	// The git webhook deploys a new commit; poll the page, as a user would.
	write(t, filepath.Join(repo, "page.html"), "from git, revision two")
	gitCmd("commit", "-q", "-am", "two")
	if head, _ := curlHead("-X", "POST", "-H", "Authorization: Bearer wrong", "-H", "Content-Type: application/json", "-d", `{"ref":"refs/heads/main"}`, base+"/_deploy"); strings.HasPrefix(head, "HTTP/1.1 2") {
		t.Errorf("hook with a wrong secret accepted: %s", head)
	}
	if head, _ := curlHead("-X", "POST", "-H", "Authorization: Bearer s3cret", "-H", "Content-Type: application/json", "-d", `{"ref":"refs/heads/main"}`, base+"/_deploy"); !strings.HasPrefix(head, "HTTP/1.1 202") {
		t.Errorf("hook: %s", head)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, body := curlHead(base + "/deployed/current/page.html"); body == "from git, revision two" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the new revision was not served after the hook")
		}
	}

	// A reload (SIGUSR1) builds everything again on the same folders: the
	// git destination is taken over, not cloned anew, the logs reopened,
	// the FastCGI pool and the proxy replaced.
	proc.reload(t, 1)
	for path, want := range map[string]string{
		"/deployed/current/page.html": "from git, revision two",
		"/greet?name=reload":          "php says 42 to reload at /greet?name=reload",
		"/app/hello":                  "upstream saw GET /app/hello",
		"/app/report":                 "quarterly numbers",
		"/about-us?after=reload":      "about us",
	} {
		if head, body := curlHead(base + path); !strings.HasPrefix(head, "HTTP/1.1 200 ") || body != want {
			t.Errorf("after reload: GET %s: %q, want 200 %q\n%s", path, body, want, head)
		}
	}
	if head, _ := curlHead("-u", "bob:hunter2", base+"/staff/notes.txt"); !strings.HasPrefix(head, "HTTP/1.1 200 ") {
		t.Errorf("after reload: bcrypt user refused:\n%s", head)
	}

	// The access log keeps the URI the client sent (not ext's or
	// rewrite's), and the user basicauth let in; the error log has the
	// upstream that failed. Both are written before each response ends;
	// poll all the same with a generous deadline.
	for file, want := range map[string][]string{
		"access.log": {
			`"GET /about HTTP/1.1" 200`,
			`"GET /about-us HTTP/1.1" 200`,
			`"GET /blog/2015/hello HTTP/1.1" 200`,
			`"GET /protected/report.txt HTTP/1.1" 404`,
			`"GET /app/report HTTP/1.1" 200`,
			` alice [`, ` bob [`,
			`"GET /about-us?after=reload HTTP/1.1" 200`,
		},
		"error.log": {"[ERROR 502 /down/x] "},
	} {
		for _, w := range want {
			waitForText(t, filepath.Join(site, file), w)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(site, "access.log")); strings.Contains(string(b), "about.html") || strings.Contains(string(b), "/posts/") {
		t.Errorf("the access log shows a rewritten path:\n%s", b)
	}
}

// command is the running binary.
type command struct {
	cmd *exec.Cmd
	mu  sync.Mutex
	log strings.Builder // its standard error so far
}

func (c *command) logged() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.log.String()
}

// reload sends SIGUSR1 and waits until the command logged the outcome of
// that reload (the n-th reload since it started), failing on an error.
func (c *command) reload(t *testing.T, n int) {
	t.Helper()
	c.cmd.Process.Signal(syscall.SIGUSR1)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		l := c.logged()
		if strings.Count(l, "reload failed") > 0 {
			t.Fatalf("reload failed:\n%s", l)
		}
		if strings.Count(l, "configuration reloaded") >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reload logged within 30s:\n%s", l)
		}
	}
}

// startCommand runs bin in dir with env, returns the address it listens
// on, and stops it with SIGTERM at the end, expecting a clean exit.
func startCommand(t *testing.T, bin, dir string, env []string) (string, *command) {
	t.Helper()
	cmd := exec.Command(bin, "-host", "127.0.0.1")
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := regexp.MustCompile(`listening addr=(127\.0\.0\.1:\d+)`)
	addrs := make(chan string, 1)
	exited := make(chan error, 1)
	c := &command{cmd: cmd}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			c.mu.Lock()
			c.log.WriteString(sc.Text() + "\n")
			c.mu.Unlock()
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addrs <- m[1]:
				default:
				}
			}
		}
		exited <- cmd.Wait()
	}()
	stop := func() error {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			return err
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-exited
			return errors.New("no exit within 30s of SIGTERM")
		}
	}
	select {
	case addr := <-addrs:
		t.Cleanup(func() {
			if err := stop(); err != nil {
				t.Errorf("exit after SIGTERM: %v\n%s", err, c.logged())
			}
		})
		return addr, c
	case err := <-exited:
		t.Fatalf("the command exited before listening: %v\n%s", err, c.logged())
	case <-time.After(30 * time.Second):
		stop()
		t.Fatalf("the command did not listen within 30s:\n%s", c.logged())
	}
	return "", nil
}

// waitForText polls file until it contains want, failing after 20 seconds.
func waitForText(t *testing.T, file, want string) {
	t.Helper()
	var b []byte
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b, _ = os.ReadFile(file)
		if strings.Contains(string(b), want) {
			return
		}
	}
	t.Errorf("%s lacks %q:\n%s", filepath.Base(file), want, b)
}
