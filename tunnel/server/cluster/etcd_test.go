package cluster

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/testhttp"
)

// etcdProc is a real etcd (Debian's etcd-server package) on loopback
// ports with a temporary data directory.
type etcdProc struct {
	t    *testing.T
	bin  string
	dir  string
	url  string
	peer string
	cmd  *exec.Cmd
	done chan struct{}
}

// startEtcd starts etcd, or skips the test, loudly, when it is not
// installed (.ci/test installs it).
func startEtcd(t *testing.T) *etcdProc {
	t.Helper()
	bin, err := exec.LookPath("etcd")
	if err != nil {
		t.Skip("SKIPPED: etcd is not installed (apt-get install etcd-server); the cluster tests need a real etcd")
	}
	e := &etcdProc{t: t, bin: bin, dir: t.TempDir(), url: "http://" + testhttp.FreeAddr(t), peer: "http://" + testhttp.FreeAddr(t)}
	e.start()
	t.Cleanup(e.stop)
	return e
}

func (e *etcdProc) start() {
	t := e.t
	t.Helper()
	logf, err := os.OpenFile(filepath.Join(e.dir, "etcd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	e.cmd = exec.Command(e.bin,
		"--name", "test",
		"--data-dir", filepath.Join(e.dir, "data"),
		"--listen-client-urls", e.url, "--advertise-client-urls", e.url,
		"--listen-peer-urls", e.peer, "--initial-advertise-peer-urls", e.peer,
		"--initial-cluster", "test="+e.peer,
		"--heartbeat-interval", "50", "--election-timeout", "500",
	)
	e.cmd.Stdout, e.cmd.Stderr = logf, logf
	if err := e.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	e.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) {
		cmd.Wait()
		close(done)
	}(e.cmd, e.done)
	e.waitHealthy()
}

// waitHealthy polls etcd's /health until it answers 200.
func (e *etcdProc) waitHealthy() {
	t := e.t
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-e.done:
			log, _ := os.ReadFile(filepath.Join(e.dir, "etcd.log"))
			t.Fatalf("etcd exited:\n%s", tail(log))
		default:
		}
		res, err := client.Get(e.url + "/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				client.CloseIdleConnections()
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("etcd did not become healthy within 30s")
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// pause stops etcd without closing its sockets (SIGSTOP): unreachable,
// as a hung or partitioned store is. resume continues it.
func (e *etcdProc) pause()  { e.signal(syscall.SIGSTOP) }
func (e *etcdProc) resume() { e.signal(syscall.SIGCONT) }

func (e *etcdProc) signal(sig syscall.Signal) {
	if err := e.cmd.Process.Signal(sig); err != nil {
		e.t.Fatal(fmt.Errorf("etcd: %v: %w", sig, err))
	}
}

func (e *etcdProc) stop() {
	e.cmd.Process.Signal(syscall.SIGCONT)
	e.cmd.Process.Kill()
	<-e.done
}
