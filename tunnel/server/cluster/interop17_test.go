package cluster

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The original ngrok 1.7 client (built from its public source, not part of
// this repository; NGROK17_DIR names the folder holding it, as for the
// tunnel package's interop tests) takes an http subdomain on node A, and a
// public request to node B reaches the app behind it, forwarded with the
// public client's address in X-Forwarded-For. When node A is drained, the
// name is freed cluster-wide at once: node B answers 404, not a hang or a
// stale forward. The stock client reconnects only to its one server_addr,
// so it cannot fail over to node B; that part is covered with the
// project's client (TestDrainedNodeHandsOver).
func TestInterop17OriginalClientOnCluster(t *testing.T) {
	dir := os.Getenv("NGROK17_DIR")
	if dir == "" {
		t.Skip("NGROK17_DIR not set: name a folder with the ngrok 1.7 binaries built from inconshreveable/ngrok to run the interop tests")
	}
	bin := filepath.Join(dir, "ngrok")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("NGROK17_DIR: %v", err)
	}
	tc := newTestCluster(t, 2)
	a, b := tc.nodes[0], tc.nodes[1]

	local, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	app := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "orig17 "+r.Header.Get("X-Forwarded-For"))
	})}
	served := make(chan struct{})
	go func() { defer close(served); app.Serve(local) }()
	t.Cleanup(func() { app.Close(); <-served })

	cfgFile := filepath.Join(t.TempDir(), "ngrok.yml")
	yml := fmt.Sprintf("server_addr: %q\ntrust_host_root_certs: false\nauth_token: %q\ninspect_addr: disabled\n",
		a.Server().TunnelAddr().String(), testToken)
	if err := os.WriteFile(cfgFile, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	url := runNgrok17(t, exec.Command(bin, "-config", cfgFile, "-log", "stdout", "-log-level", "INFO",
		"-proto", "http", "-subdomain", "orig17", local.Addr().String()))
	if want := "http://orig17.example.test:"; !strings.HasPrefix(url, want) {
		t.Fatalf("URL %q, want %s<port>", url, want)
	}
	t.Logf("ngrok 1.7 on node A (%s): %s", a.Server().TunnelAddr(), url)

	eventually(t, 5*time.Second, "orig17 via node A", answers(t, a, "orig17", "orig17 127.0.0.2"))
	eventually(t, 5*time.Second, "orig17 via node B", answers(t, b, "orig17", "orig17 127.0.0.2"))

	a.Close()
	eventually(t, 10*time.Second, "orig17 freed on node B after node A's drain", func() error {
		code, body, err := get(t, b, "orig17")
		if err != nil {
			return err
		}
		if code != http.StatusNotFound {
			return fmt.Errorf("%d %q; want 404", code, body)
		}
		return nil
	})
	t.Logf("node A drained: orig17 is 404 on node B (the 1.7 client retries node A only)")
}

var ngrok17TunnelURL = regexp.MustCompile(`Tunnel established at (\S+)`)

// runNgrok17 starts the 1.7 client and returns the URL it logs, waiting up
// to 20 s. The client is killed when the test ends; its log is printed if
// the test failed.
func runNgrok17(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	logged := make(chan string, 1)
	go func() {
		var lines []string
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if m := ngrok17TunnelURL.FindStringSubmatch(sc.Text()); m != nil && len(urls) == 0 {
				urls <- m[1]
			}
		}
		logged <- strings.Join(lines, "\n")
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		log := <-logged // the pipe ends with the process
		cmd.Wait()
		if t.Failed() {
			t.Logf("ngrok 1.7 log:\n%s", log)
		}
	})
	select {
	case u := <-urls:
		return u
	case <-time.After(20 * time.Second):
		t.Fatal("ngrok 1.7 logged no tunnel URL in 20 s")
		return ""
	}
}
