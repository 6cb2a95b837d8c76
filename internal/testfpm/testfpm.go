// Package testfpm starts a real php-fpm for tests: one pool on a loopback
// port and one on a unix socket, serving scripts the test writes under
// Root, killed when the test ends. A test is skipped, saying so loudly,
// where php-fpm is not installed; CI installs it.
//
//	fpm := testfpm.Start(t, testfpm.Options{})
//	fpm.Script("hello.php", `<?php echo "hi";`)
//	// then FastCGI to fpm.Addr or fpm.Sock, SCRIPT_FILENAME under fpm.Root
package testfpm

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/testhttp"
)

// Server is a running php-fpm.
type Server struct {
	t    testing.TB
	dir  string // config, pid, logs, socket
	Addr string // 127.0.0.1:port
	Sock string // unix socket path
	Root string // document root the tests fill with scripts
	opts Options
	cmd  *exec.Cmd
	done chan struct{}
}

// Options shape the pools.
type Options struct {
	Children    int  // per pool; zero means 4
	MaxRequests int  // pm.max_requests; zero means unlimited
	LazyBody    bool // enable_post_data_reading Off: PHP reads the body only if the script does
}

const fpmBinary = "/usr/sbin/php-fpm8.2"

func findFPM(t testing.TB) string {
	for _, p := range []string{fpmBinary, "php-fpm8.2", "php-fpm"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Skip("SKIPPING: php-fpm is not installed (apt-get install php-fpm); CI must install it")
	return ""
}

// Start starts php-fpm and waits until both pools accept. It is killed
// when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	findFPM(t)
	if opts.Children == 0 {
		opts.Children = 4
	}
	dir := t.TempDir()
	f := &Server{t: t, dir: dir, opts: opts, Root: filepath.Join(dir, "root"), Sock: filepath.Join(dir, "fpm.sock"), Addr: testhttp.FreeAddr(t)}
	if err := os.Mkdir(f.Root, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Stop)
	// The port was free when picked; another process may take it before
	// php-fpm binds it. Then pick another.
	for attempt := 0; ; attempt++ {
		err := f.tryStart()
		if err == nil {
			return f
		}
		if attempt == 3 || !strings.Contains(err.Error(), "unable to bind") {
			t.Fatal(err)
		}
		f.Addr = testhttp.FreeAddr(t)
	}
}

func (f *Server) config() string {
	pool := func(name, listen string) string {
		s := fmt.Sprintf(`[%s]
listen = %s
pm = static
pm.max_children = %d
catch_workers_output = yes
; Deliberately lax, as a careless server might be: the handler, not
; php-fpm, must keep uploads from running.
security.limit_extensions = .php .PHP .pHp .jpg
php_admin_value[log_errors] = On
php_admin_value[display_errors] = Off
php_admin_value[post_max_size] = 64M
php_admin_value[upload_max_filesize] = 64M
php_admin_value[output_buffering] = 0
php_admin_value[cgi.fix_pathinfo] = 1
env[FPM_POOL] = %s
`, name, listen, f.opts.Children, name)
		if f.opts.LazyBody {
			s += "php_admin_value[enable_post_data_reading] = Off\n"
		}
		if f.opts.MaxRequests > 0 {
			s += fmt.Sprintf("pm.max_requests = %d\n", f.opts.MaxRequests)
		}
		return s
	}
	return fmt.Sprintf("[global]\npid = %s\nerror_log = %s\ndaemonize = no\n\n",
		filepath.Join(f.dir, "fpm.pid"), filepath.Join(f.dir, "fpm.log")) +
		pool("tcp", f.Addr) + "\n" + pool("unix", f.Sock)
}

// Restart starts php-fpm again after Stop, on the same port and socket.
func (f *Server) Restart() {
	if err := f.tryStart(); err != nil {
		f.t.Fatal(err)
	}
}

// tryStart starts php-fpm and waits until it logged that it is ready and
// both pools accept.
func (f *Server) tryStart() error {
	t := f.t
	conf := filepath.Join(f.dir, "fpm.conf")
	if err := os.WriteFile(conf, []byte(f.config()), 0o644); err != nil {
		return err
	}
	os.Remove(filepath.Join(f.dir, "fpm.log"))
	// -n: no php.ini, so the host's settings cannot change what tests see;
	// -R: the test may run as root.
	f.cmd = exec.Command(findFPM(t), "-n", "-R", "-y", conf)
	f.cmd.Stdout, f.cmd.Stderr = os.Stderr, os.Stderr
	f.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := f.cmd.Start(); err != nil {
		return err
	}
	f.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(f.cmd, f.done)
	deadline := time.Now().Add(15 * time.Second)
	ready := func() bool {
		if !strings.Contains(f.Log(), "ready to handle connections") {
			return false
		}
		for _, a := range [][2]string{{"tcp", f.Addr}, {"unix", f.Sock}} {
			c, err := net.Dial(a[0], a[1])
			if err != nil {
				return false
			}
			c.Close()
		}
		return true
	}
	for !ready() {
		select {
		case <-f.done:
			f.cmd = nil
			return fmt.Errorf("php-fpm exited: %s", f.Log())
		case <-time.After(10 * time.Millisecond): // polling a foreign process: no channel to wait on
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("php-fpm not ready on %s and %s: %s", f.Addr, f.Sock, f.Log())
		}
	}
	return nil
}

// Stop kills php-fpm and its workers, and waits until the port refuses.
func (f *Server) Stop() {
	if f.cmd == nil {
		return
	}
	_ = syscall.Kill(-f.cmd.Process.Pid, syscall.SIGKILL)
	<-f.done
	f.cmd = nil
	os.Remove(f.Sock)
	// The master is gone; its workers, which share the listening socket,
	// die a moment later. Wait until the port refuses, so a test that
	// stopped php-fpm sees it down.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", f.Addr)
		if err != nil {
			return
		}
		c.Close()
		if time.Now().After(deadline) {
			f.t.Fatalf("php-fpm still accepts on %s after being killed", f.Addr)
		}
		time.Sleep(5 * time.Millisecond) // polling a dying foreign process
	}
}

// Script writes a file under Root and returns its path.
func (f *Server) Script(name, body string) string {
	f.t.Helper()
	p := filepath.Join(f.Root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// Log returns php-fpm's own log, for failure messages.
func (f *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(f.dir, "fpm.log"))
	return strings.TrimSpace(string(b))
}
