// Package testgit serves git repositories to tests with the real git
// server programs.
package testgit

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Daemon serves the repositories under a folder over git:// with the real
// git daemon, one process per connection (--inetd), on a loopback listener
// the test owns: no port race at start, and Stop takes the remote down the
// way a stopped daemon is down (connections are refused).
type Daemon struct {
	t    testing.TB
	root string
	addr string

	mu   sync.Mutex
	stop func() // closes the listener and waits for its processes; nil when stopped
}

// StartDaemon serves root until the test ends (or Stop). It skips the test
// when the git CLI is missing.
func StartDaemon(t testing.TB, root string) *Daemon {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("SKIPPED: the git CLI is not installed (apt-get install git)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &Daemon{t: t, root: root, addr: l.Addr().String()}
	d.serve(l)
	t.Cleanup(d.Stop)
	return d
}

// URL is git://host:port/<name> for the repository root/<name>.
func (d *Daemon) URL(name string) string { return "git://" + d.addr + "/" + name }

// Stop closes the listening socket and waits for the connections being
// served. Later connections are refused until Restart.
func (d *Daemon) Stop() {
	d.mu.Lock()
	stop := d.stop
	d.stop = nil
	d.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// Restart listens again on the same address. The port is free again once
// Stop returned; a stray outgoing connection that took it as its local
// port is waited out (for up to a minute).
func (d *Daemon) Restart() {
	d.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		l, err := net.Listen("tcp", d.addr)
		if err == nil {
			d.serve(l)
			return
		}
		if !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			d.t.Fatalf("restart git daemon on %s: %v", d.addr, err)
		}
		time.Sleep(50 * time.Millisecond) // polling for a free port, not waiting for an event
	}
}

func (d *Daemon) serve(l net.Listener) {
	stop := ServeInetd(d.t, l, func() *exec.Cmd {
		cmd := exec.Command("git", "daemon", "--inetd", "--export-all", "--base-path="+d.root, d.root)
		cmd.Env = Env(d.root)
		return cmd
	})
	d.mu.Lock()
	d.stop = stop
	d.mu.Unlock()
}

// Env is the environment for git commands in tests: no user or system
// configuration, a fixed identity, never a prompt.
func Env(home string) []string {
	return append(os.Environ(),
		"HOME="+home, "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
	)
}

// ServeInetd runs a fresh process from newCmd for each connection accepted
// on l, with the connection as its standard input and output (inetd style).
// The returned stop closes l and waits for every process; it runs at the
// end of the test too, and may be called more than once. Whatever a
// process writes to standard error is logged when it fails.
func ServeInetd(t testing.TB, l net.Listener, newCmd func() *exec.Cmd) (stop func()) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				f, err := c.(*net.TCPConn).File()
				if err != nil {
					return
				}
				defer f.Close()
				cmd := newCmd()
				cmd.Stdin, cmd.Stdout = f, f
				var stderr strings.Builder
				cmd.Stderr = &stderr
				if err := cmd.Run(); err != nil && stderr.Len() > 0 {
					t.Logf("%s: %v: %s", cmd.Path, err, stderr.String())
				}
			}()
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { l.Close(); wg.Wait() }) }
	t.Cleanup(stop)
	return stop
}
