package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Peers that are programs (nginx, php-fpm, Caddy, ngrok) run as processes
// of their own, each in its own process group so that stopping one stops
// its workers too.

// startProcess starts cmd in a process group of its own and returns how to
// kill the whole group and wait for it.
func startProcess(cmd *exec.Cmd) (stop func(), err error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	return func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}, nil
}

// freeAddr picks a loopback port from a listener it closes at once.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// waitDial waits until addr accepts connections (a foreign process offers
// nothing better to wait on than polling).
func waitDial(addr string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// nginxBinary finds Debian's nginx.
func nginxBinary() (string, error) {
	for _, p := range []string{"nginx", "/usr/sbin/nginx"} {
		if bin, err := exec.LookPath(p); err == nil {
			return bin, nil
		}
	}
	return "", errors.New("nginx not installed (apt-get install nginx-light)")
}

// startNginx runs nginx in the foreground with one worker, its state in a
// temporary folder of its own, and inside its http block the lines that
// site returns for the loopback address nginx is to listen on.
func startNginx(site func(addr string) string) (addr string, pid int, stop func(), err error) {
	bin, err := nginxBinary()
	if err != nil {
		return "", 0, nil, err
	}
	if addr, err = freeAddr(); err != nil {
		return "", 0, nil, err
	}
	state, err := os.MkdirTemp("", "httpmw-bench-nginx")
	if err != nil {
		return "", 0, nil, err
	}
	os.Chmod(state, 0o755) // the worker may run as another user
	conf := fmt.Sprintf(`daemon off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path %[1]s/body;
	proxy_temp_path %[1]s/proxy;
	fastcgi_temp_path %[1]s/fastcgi;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
%[2]s
}
`, state, site(addr))
	confPath := filepath.Join(state, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		os.RemoveAll(state)
		return "", 0, nil, err
	}
	cmd := exec.Command(bin, "-p", state, "-e", filepath.Join(state, "error.log"), "-c", confPath)
	stopProcess, err := startProcess(cmd)
	if err != nil {
		os.RemoveAll(state)
		return "", 0, nil, err
	}
	stop = func() { stopProcess(); os.RemoveAll(state) }
	if err := waitDial(addr); err != nil {
		log, _ := os.ReadFile(filepath.Join(state, "error.log"))
		stop()
		return "", 0, nil, fmt.Errorf("nginx: %w: %s", err, bytes.TrimSpace(log))
	}
	return addr, cmd.Process.Pid, stop, nil
}
