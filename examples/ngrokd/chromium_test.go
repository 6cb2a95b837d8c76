//go:build linux

package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/chromium"
)

// TestDevCertificatesInChromium is issue 16 item 7 in a browser: with the
// -dev CA trusted in the profile's NSS store, as a user adds it, Chromium
// opens https://demo.localhost:PORT without a certificate error.
func TestDevCertificatesInChromium(t *testing.T) {
	bin := chromium.Find(t, "the -dev certificate")
	certutil, err := exec.LookPath("certutil")
	if err != nil {
		t.Skip("SKIPPED LOUDLY: certutil is not installed (apt-get install libnss3-tools); the -dev certificate is not checked in Chromium")
	}
	dir := t.TempDir()
	srv, _ := start(t, "-dev", "-devDir", dir, "-domain", "localhost", "-tunnelAddr", "127.0.0.1:0",
		"-httpAddr", "", "-httpsAddr", "127.0.0.1:0", "-token", "s3cret=alice", "-log-level", "ERROR")
	_, port, _ := net.SplitHostPort(srv.HTTPSAddr().String())

	home := t.TempDir()
	nssdb := "sql:" + filepath.Join(home, ".pki", "nssdb")
	if err := os.MkdirAll(filepath.Join(home, ".pki", "nssdb"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-d", nssdb, "-N", "--empty-password"},
		{"-d", nssdb, "-A", "-t", "C,,", "-n", "httpmw dev CA", "-i", filepath.Join(dir, "ca.pem")},
	} {
		if out, err := exec.Command(certutil, args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %v: %v\n%s", args, err, out)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	url := "https://demo.localhost:" + port + "/"
	cmd := exec.CommandContext(ctx, bin, chromium.Args(t, "--dump-dom", url)...)
	cmd.Env = append(os.Environ(), "HOME="+home)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom %s: %v", url, err)
	}
	if page := string(out); !strings.Contains(page, "Tunnel demo.localhost:"+port+" not found") || strings.Contains(page, "ERR_CERT") {
		if i := strings.Index(page, `"errorCode":"`); i >= 0 {
			page = page[i:min(len(page), i+60)] // Chromium's error page names the error
		}
		t.Fatalf("chromium on %s did not show the server's page: %.300s", url, page)
	}
}
