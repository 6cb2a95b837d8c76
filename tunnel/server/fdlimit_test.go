package server

import (
	"bufio"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/testhttp"
	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// fdChildEnv names the directory where the child server of
// TestAcceptSurvivesFDExhaustion writes its addresses.
const fdChildEnv = "HTTPMW_TSRV_FDLIMIT_DIR"

// fdLimit is the child's RLIMIT_NOFILE: low, so that a few hundred idle
// connections exhaust it.
const fdLimit = 256

type fdChildInfo struct {
	Tunnel, HTTP string
	CA           []byte
}

// TestFDLimitChild is the server of TestAcceptSurvivesFDExhaustion, run
// in a child process with a low file descriptor limit; it serves until
// its stdin closes.
func TestFDLimitChild(t *testing.T) {
	dir := os.Getenv(fdChildEnv)
	if dir == "" {
		t.Skip("the server half of TestAcceptSurvivesFDExhaustion")
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	lim.Cur = fdLimit
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{
		Domain:     "example.test",
		TunnelAddr: "127.0.0.1:0",
		HTTPAddr:   "127.0.0.1:0",
		TCPAddr:    "127.0.0.1",
		Tokens:     map[string]string{"alice-token": "alice"},
		// The idle connections must stay until the test lets them go, and
		// all of them may come from one address.
		HeaderReadTimeout:     time.Hour,
		MaxPublicConnsPerAddr: -1,
		Logger:                slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	info, _ := json.Marshal(fdChildInfo{Tunnel: srv.TunnelAddr().String(), HTTP: srv.HTTPAddr().String(), CA: srv.CA().CertPEM()})
	if err := os.WriteFile(filepath.Join(dir, "tmp"), info, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Rename(filepath.Join(dir, "tmp"), filepath.Join(dir, "info.json"))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(t.Context()) }()
	io.Copy(io.Discard, os.Stdin)
	srv.Close()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

// TestAcceptSurvivesFDExhaustion runs a server with a 256-descriptor
// limit in a child process, exhausts its descriptors with idle public
// connections, touches the tunnel port and a TCP tunnel's port while they
// are exhausted (each Accept then fails with EMFILE), lets the idle
// connections go, and checks that all three ports accept and serve again.
func TestAcceptSurvivesFDExhaustion(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFDLimitChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), fdChildEnv+"="+dir)
	var logs testhttp.Buffer
	cmd.Stderr = &logs
	cmd.Stdout = &logs
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		stdin.Close()
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("child server: %v\n%s", err, logs.String())
			}
		case <-time.After(patience):
			cmd.Process.Kill()
			<-exited
			t.Errorf("child server did not stop\n%s", logs.String())
		}
	}()

	var info fdChildInfo
	testhttp.WaitFor(t, func() bool {
		b, err := os.ReadFile(filepath.Join(dir, "info.json"))
		return err == nil && json.Unmarshal(b, &info) == nil
	})
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(info.CA)
	end := tunnelEnd{addr: info.Tunnel, roots: roots}

	local := echoServer(t)
	c, resp := connectTo(t, end, "alice-token", "", local.Listener.Addr().String())
	if resp.Error != "" {
		t.Fatal(resp.Error)
	}
	nts := c.tunnel(&wire.ReqTunnel{ReqId: "h", Protocol: "http", Subdomain: "fd"})
	tcp := c.tunnel(&wire.ReqTunnel{ReqId: "t", Protocol: "tcp"})
	tcpAddr := "127.0.0.1:" + tcp[0].Url[strings.LastIndex(tcp[0].Url, ":")+1:]
	client := newHTTPClient(t)
	serves := func(when string) {
		t.Helper()
		req := testhttp.NewRequest(t, "GET", "http://"+info.HTTP+"/"+when)
		req.Host = strings.TrimPrefix(nts[0].Url, "http://")
		if res, body := testhttp.Do(t, client.Do, req); res.StatusCode != 200 {
			t.Fatalf("%s: public request got %d %q", when, res.StatusCode, body)
		}
		if got := tcpGet(t, tcpAddr, "/"+when); !strings.HasPrefix(got, "HTTP/1.1 200") {
			t.Fatalf("%s: tcp tunnel answered %q", when, got)
		}
	}
	serves("before")
	client.CloseIdleConnections()

	// Exhaust the child's descriptors with idle public connections: it
	// accepts until it has none left, the rest wait in the backlog.
	var idle []net.Conn
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	dialTo := func(addr string) {
		c, err := net.DialTimeout("tcp", addr, patience)
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		idle = append(idle, c)
	}
	for range fdLimit + 20 {
		dialTo(info.HTTP)
	}
	exhausted := func(addr string) func() bool {
		return func() bool { return strings.Contains(logs.String(), addr+": accept4: too many open files") }
	}
	testhttp.WaitFor(t, exhausted(info.HTTP))
	// One touch each of the tunnel port and the tcp tunnel's port.
	dialTo(info.Tunnel)
	dialTo(tcpAddr)
	testhttp.WaitFor(t, exhausted(info.Tunnel))
	testhttp.WaitFor(t, exhausted(tcpAddr))

	for _, c := range idle {
		c.Close()
	}
	idle = nil

	// A new client authenticates on the tunnel port...
	if _, resp := connectTo(t, end, "alice-token", "", ""); resp.Error != "" {
		t.Fatalf("new client after exhaustion: %s", resp.Error)
	}
	// ...and the public port and tcp tunnel serve, through new proxy
	// connections on the tunnel port.
	serves("after")
	// One line per burst, not per failed Accept. A listener may have a
	// few bursts (it accepts a connection as one descriptor frees up,
	// then fails again), but not one line per retry.
	if n := strings.Count(logs.String(), "accept failing"); n > 10 {
		t.Errorf("%d accept-failure lines for 3 listeners:\n%s", n, logs.String())
	}
}

// tcpGet sends an HTTP request over a raw TCP connection to addr and
// returns the first line of the answer.
func tcpGet(t *testing.T, addr, path string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, patience)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(patience))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path)
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("tcp tunnel %s: %v", addr, err)
	}
	return line
}
