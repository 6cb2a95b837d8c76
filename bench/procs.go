package main

import (
	"errors"
	"net"
	"os/exec"
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
