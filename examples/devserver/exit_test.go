package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw/tunnel/server"
)

// TestCommandExitsWhenTheTunnelIsRefused builds and runs the command as a
// user does, against our ngrokd-compatible server. A refusal that no retry
// cures, at the start or on a reconnect, ends the command with status 1 and
// the server's reason on one line.
func TestCommandExitsWhenTheTunnelIsRefused(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "devserver")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ca, err := server.NewDevCA()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue("example.test")
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	start := func(t *testing.T, addr, token string) (*server.Server, func()) {
		t.Helper()
		srv, err := server.New(server.Config{
			Domain:     "example.test",
			TunnelAddr: addr,
			HTTPAddr:   "127.0.0.1:0",
			TLSConfig:  &tls.Config{Certificates: []tls.Certificate{cert}},
			Tokens:     map[string]string{token: "dev"},
		})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { srv.Serve(context.Background()); close(done) }()
		stop := func() { srv.Close(); <-done }
		t.Cleanup(stop)
		return srv, stop
	}
	// run starts the command; lines gets its standard error line by line,
	// closed at its end.
	run := func(t *testing.T, addr, token string) (*exec.Cmd, <-chan string) {
		cmd := exec.Command(bin, "-root", t.TempDir(), "-listen", "127.0.0.1:0", "-inspect", "",
			"-tunnel", addr, "-authtoken", token, "-subdomain", "demo")
		cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+caFile)
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill() })
		lines := make(chan string, 1024)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		return cmd, lines
	}
	// exit waits for the command to end and returns its status and last
	// line of standard error.
	exit := func(t *testing.T, cmd *exec.Cmd, lines <-chan string) (int, string) {
		t.Helper()
		var last string
		timeout := time.After(60 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if ok {
					last = l
					continue
				}
				err := cmd.Wait()
				var ee *exec.ExitError
				if err != nil && !errors.As(err, &ee) {
					t.Fatal(err)
				}
				return cmd.ProcessState.ExitCode(), last
			case <-timeout:
				t.Fatal("the command is still running")
			}
		}
	}
	check := func(t *testing.T, code int, last, want string) {
		t.Helper()
		if code != 1 || last != want {
			t.Fatalf("exit status %d, last line %q; want 1 and %q", code, last, want)
		}
	}

	t.Run("bad token at the start", func(t *testing.T) {
		srv, _ := start(t, "127.0.0.1:0", "good")
		addr := srv.TunnelAddr().String()
		cmd, lines := run(t, addr, "wrong")
		code, last := exit(t, cmd, lines)
		check(t, code, last, "devserver: -tunnel "+addr+": tunnel: server refused the session: authentication failed: unknown token")
	})

	t.Run("token changed while serving", func(t *testing.T) {
		srv, stop := start(t, "127.0.0.1:0", "good")
		addr := srv.TunnelAddr().String()
		cmd, lines := run(t, addr, "good")
		for l := range lines {
			if strings.Contains(l, "devserver: public") {
				break
			}
		}
		stop()
		start(t, addr, "rotated")
		code, last := exit(t, cmd, lines)
		check(t, code, last, "devserver: -tunnel "+addr+": tunnel: server refused the session: authentication failed: unknown token")
	})
}
