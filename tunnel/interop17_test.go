package tunnel_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/httpmw/httpmw/tunnel"
	"github.com/httpmw/httpmw/tunnel/server"
)

// These tests run against the original ngrok 1.7 binaries, built from their
// public source (not part of this repository), when NGROK17_DIR names the
// folder holding ngrok and ngrokd. They check issue 18's promise that either
// end talking to a 1.7 peer keeps the 1.7 protocol: httpmw's client, which
// offers multiplexed streams, against the original ngrokd; and the original
// client against httpmw's server, which answers the offer only to a client
// that made it.

// ngrok17Bin returns the path of the named 1.7 binary, skipping the test
// when NGROK17_DIR is not set.
func ngrok17Bin(t *testing.T, name string) string {
	t.Helper()
	dir := os.Getenv("NGROK17_DIR")
	if dir == "" {
		t.Skip("NGROK17_DIR not set: name a folder with the ngrok and ngrokd 1.7 binaries built from inconshreveable/ngrok to run the interop tests")
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("NGROK17_DIR: %v", err)
	}
	return p
}

// proc17 is a running 1.7 binary whose log lines are watched.
type proc17 struct {
	mu    sync.Mutex
	lines []string
	grew  chan struct{} // closed and replaced on each new line
}

// start17 runs cmd with its log on stdout, and kills it when the test ends.
// The log is printed if the test fails.
func start17(t *testing.T, cmd *exec.Cmd) *proc17 {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc17{grew: make(chan struct{})}
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			close(p.grew)
			p.grew = make(chan struct{})
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-drained // the pipe ends with the process; Wait closes it after
		cmd.Wait()
		if t.Failed() {
			p.mu.Lock()
			t.Logf("%s log:\n%s", filepath.Base(cmd.Path), strings.Join(p.lines, "\n"))
			p.mu.Unlock()
		}
	})
	return p
}

// await returns the first submatch of re in the log, waiting up to 20 s.
func (p *proc17) await(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for seen := 0; ; {
		p.mu.Lock()
		for ; seen < len(p.lines); seen++ {
			if m := re.FindStringSubmatch(p.lines[seen]); m != nil {
				p.mu.Unlock()
				return m[1]
			}
		}
		grew := p.grew
		p.mu.Unlock()
		select {
		case <-grew:
		case <-deadline:
			t.Fatalf("no log line matching %q in 20 s", re)
		}
	}
}

// count returns how many log lines match re.
func (p *proc17) count(re *regexp.Regexp) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, l := range p.lines {
		if re.MatchString(l) {
			n++
		}
	}
	return n
}

// echoTCP answers each connection accepted on l with what it reads.
func echoTCP(t *testing.T, l net.Listener) {
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
			go func() { defer wg.Done(); io.Copy(c, c); c.Close() }()
		}
	}()
	t.Cleanup(func() { l.Close(); wg.Wait() })
}

// roundTripTCP dials the public port of a tcp:// URL on loopback and checks
// that a line comes back as sent.
func roundTripTCP(t *testing.T, publicURL string) {
	t.Helper()
	i := strings.LastIndex(publicURL, ":")
	if !strings.HasPrefix(publicURL, "tcp://") || i < 0 {
		t.Fatalf("tcp tunnel URL %q", publicURL)
	}
	c, err := net.DialTimeout("tcp", "127.0.0.1"+publicURL[i:], 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	msg := "hello through a 1.7 tcp tunnel\n"
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatal(err)
	}
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || got != msg {
		t.Fatalf("tcp echo: %q, %v; want %q", got, err, msg)
	}
}

// newConnGets makes n requests in a row, each on a new public connection.
func newConnGets(t *testing.T, n int, u, want string) {
	t.Helper()
	c := publicClient(t, &tls.Config{}, nil)
	c.Transport.(*http.Transport).DisableKeepAlives = true
	c.Timeout = 20 * time.Second
	for i := range n {
		resp, err := c.Get(fmt.Sprintf("%s/n%d", u, i))
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || string(b) != fmt.Sprintf("%s /n%d", want, i) {
			t.Fatalf("request %d: %d %q, %v", i, resp.StatusCode, b, err)
		}
	}
}

// app answers "<name> <path>".
func app(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, name+" "+r.URL.Path)
	})
}

var (
	ngrokdTunnelAddr = regexp.MustCompile(`Listening for control and proxy connections on (\S+)`)
	ngrokdHTTPAddr   = regexp.MustCompile(`Listening for public http connections on (\S+)`)
	ngrokdProxyUsed  = regexp.MustCompile(`Got proxy connection`)
	ngrokTunnelURL   = regexp.MustCompile(`Tunnel established at (\S+)`)
)

// Our client (multiplexing offered, as by default) against the original
// ngrokd: ngrokd drops the unknown Auth field, the client falls back to a
// proxy connection per public connection, and HTTP and TCP tunnels work,
// including many more new connections than ngrokd's pool of 10 holds.
func TestInterop17OurClientOriginalNgrokd(t *testing.T) {
	bin := ngrok17Bin(t, "ngrokd")
	ca, err := server.NewDevCA()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue("example.test")
	if err != nil {
		t.Fatal(err)
	}
	crtPEM, keyPEM, err := server.CertificatePEM(cert)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	crtFile, keyFile := filepath.Join(dir, "ngrokd.crt"), filepath.Join(dir, "ngrokd.key")
	if err := writeFile(crtFile, crtPEM); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(keyFile, keyPEM); err != nil {
		t.Fatal(err)
	}
	ngrokd := start17(t, exec.Command(bin, "-domain", "example.test",
		"-httpAddr", "127.0.0.1:0", "-httpsAddr", "", "-tunnelAddr", "127.0.0.1:0",
		"-tlsCrt", crtFile, "-tlsKey", keyFile, "-log", "stdout", "-log-level", "INFO"))
	tunnelAddr := ngrokd.await(t, ngrokdTunnelAddr)
	ngrokd.await(t, ngrokdHTTPAddr)

	cfg := tunnel.Config{
		Server:     tunnelAddr,
		TLSConfig:  &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost"},
		BackoffMin: 10 * time.Millisecond,
		BackoffMax: 50 * time.Millisecond,
		Endpoint:   tunnel.Endpoint{Protocol: "http", Subdomain: "interop"},
	}
	l, err := tunnel.Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	serveHTTP(t, l, app("ours"))
	if want := "http://interop.example.test:"; !strings.HasPrefix(l.URL(), want) {
		t.Fatalf("URL %q, want %s<port>", l.URL(), want)
	}
	const n = 30
	newConnGets(t, n, l.URL(), "ours")
	got := ngrokd.count(ngrokdProxyUsed)
	if got < n {
		t.Fatalf("ngrokd used %d proxy connections for %d public connections", got, n)
	}
	t.Logf("%d new public connections, each over its own proxy connection (ngrokd logged %d)", n, got)

	tcp, err := l.Session().Listen(context.Background(), tunnel.Endpoint{Protocol: "tcp"})
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	echoTCP(t, tcp)
	roundTripTCP(t, tcp.URL())
}

// The original ngrok client against our server: it makes no offer, so the
// server keeps the 1.7 protocol, and HTTP and TCP tunnels work.
func TestInterop17OriginalClientOurServer(t *testing.T) {
	bin := ngrok17Bin(t, "ngrok")
	srv := startServer(t, nil, "", "")
	cfgFile := filepath.Join(t.TempDir(), "ngrok.yml")
	yml := fmt.Sprintf("server_addr: %q\ntrust_host_root_certs: false\nauth_token: %q\ninspect_addr: disabled\n", srv.TunnelAddr().String(), token)
	if err := writeFile(cfgFile, []byte(yml)); err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, args ...string) string {
		args = append([]string{"-config", cfgFile, "-log", "stdout", "-log-level", "INFO"}, args...)
		return start17(t, exec.Command(bin, args...)).await(t, ngrokTunnelURL)
	}

	t.Run("http", func(t *testing.T) {
		local, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		serveHTTP(t, local, app("local"))
		u := run(t, "-proto", "http", "-subdomain", "orig", local.Addr().String())
		if want := "http://orig.example.test:"; !strings.HasPrefix(u, want) {
			t.Fatalf("URL %q, want %s<port>", u, want)
		}
		newConnGets(t, 30, u, "local")
	})
	t.Run("tcp", func(t *testing.T) {
		local, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		echoTCP(t, local)
		roundTripTCP(t, run(t, "-proto", "tcp", local.Addr().String()))
	})
}
