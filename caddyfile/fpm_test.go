package caddyfile

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
)

// startFPM starts a real php-fpm serving scripts under root on a loopback
// port, and kills it when the test ends. It skips the test when php-fpm is
// not installed (CI installs php8.2-fpm).
func startFPM(t *testing.T, root string) string {
	t.Helper()
	bin := ""
	for _, p := range []string{"/usr/sbin/php-fpm8.2", "php-fpm8.2", "php-fpm"} {
		if path, err := exec.LookPath(p); err == nil {
			bin = path
			break
		}
	}
	if bin == "" {
		t.Skip("SKIPPING: php-fpm is not installed (apt-get install php8.2-fpm)")
	}
	dir := t.TempDir()
	for attempt := 0; ; attempt++ {
		addr, err := tryFPM(t, bin, dir)
		if err == nil {
			return addr
		}
		if attempt == 3 || !strings.Contains(err.Error(), "unable to bind") {
			t.Fatal(err)
		}
	}
}

func tryFPM(t *testing.T, bin, dir string) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	l.Close() // php-fpm binds it; another process could take it first (retried)
	logFile := filepath.Join(dir, "fpm.log")
	os.Remove(logFile)
	conf := fmt.Sprintf(`[global]
pid = %s
error_log = %s
daemonize = no
[www]
listen = %s
pm = static
pm.max_children = 2
php_admin_value[display_errors] = Off
`, filepath.Join(dir, "fpm.pid"), logFile, addr)
	confFile := filepath.Join(dir, "fpm.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o644); err != nil {
		return "", err
	}
	// -n: no php.ini; -R: tests may run as root.
	cmd := exec.Command(bin, "-n", "-R", "-y", confFile)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	readLog := func() string { b, _ := os.ReadFile(logFile); return string(b) }
	deadline := time.Now().Add(15 * time.Second)
	for {
		if strings.Contains(readLog(), "ready to handle connections") {
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				t.Cleanup(stop)
				return addr, nil
			}
		}
		select {
		case <-done:
			return "", fmt.Errorf("php-fpm exited: %s", readLog())
		case <-time.After(10 * time.Millisecond): // polling a foreign process's log
		}
		if time.Now().After(deadline) {
			stop()
			return "", fmt.Errorf("php-fpm not ready on %s: %s", addr, readLog())
		}
	}
}
