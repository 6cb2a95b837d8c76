package gitsync

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"github.com/httpmw/httpmw/internal/testgit"
)

// sshServer is a real OpenSSH sshd, one process per connection (-i, inetd
// mode) on a loopback listener the test owns, with a throwaway host key and
// one authorized client key protected by a passphrase.
type sshServer struct {
	addr        string
	hostKeyLine string // "ssh-ed25519 AAAA..."
	clientKey   string // path of the encrypted private key
	passphrase  string
}

func startSSHD(t *testing.T) *sshServer {
	t.Helper()
	sshd, err := exec.LookPath("sshd")
	if err != nil {
		sshd = "/usr/sbin/sshd"
	}
	if _, err := os.Stat(sshd); err != nil {
		t.Skip("SKIPPED: sshd is not installed (apt-get install openssh-server); the ssh + known_hosts test needs it")
	}
	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		t.Skip("SKIPPED: ssh-keygen is not installed (apt-get install openssh-client)")
	}
	// sshd refuses to start without its privilege separation folder, which
	// the Debian service normally creates at boot.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Skipf("SKIPPED: sshd needs /run/sshd: %v", err)
	}
	dir := t.TempDir()
	keygen := func(file, pass string) {
		// -a 1: one bcrypt KDF round. The default 16 take seconds per
		// decryption under the race detector, and the strength of a
		// throwaway key does not matter.
		out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-a", "1", "-N", pass, "-C", "gitsync-test", "-f", file).CombinedOutput()
		if err != nil {
			t.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
	}
	srv := &sshServer{clientKey: filepath.Join(dir, "client"), passphrase: "correct horse"}
	keygen(filepath.Join(dir, "host"), "")
	keygen(srv.clientKey, srv.passphrase)
	pub, err := os.ReadFile(srv.clientKey + ".pub")
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "authorized_keys"), pub, 0o600))
	hostPub, err := os.ReadFile(filepath.Join(dir, "host.pub"))
	must(t, err)
	fields := strings.Fields(string(hostPub))
	srv.hostKeyLine = fields[0] + " " + fields[1]
	conf := filepath.Join(dir, "sshd_config")
	must(t, os.WriteFile(conf, []byte(strings.Join([]string{
		"HostKey " + filepath.Join(dir, "host"),
		"AuthorizedKeysFile " + filepath.Join(dir, "authorized_keys"),
		"PubkeyAuthentication yes",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"PermitRootLogin prohibit-password",
		"StrictModes no",
		"UsePAM no",
		"PidFile none",
		"LogLevel ERROR",
	}, "\n")+"\n"), 0o600))

	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	srv.addr = l.Addr().String()
	testgit.ServeInetd(t, l, func() *exec.Cmd { return exec.Command(sshd, "-i", "-e", "-f", conf) })
	return srv
}

func (s *sshServer) knownHosts(t *testing.T, keyLine string) string {
	host, port, _ := net.SplitHostPort(s.addr)
	p := filepath.Join(t.TempDir(), "known_hosts")
	must(t, os.WriteFile(p, []byte(fmt.Sprintf("[%s]:%s %s\n", host, port, keyLine)), 0o600))
	return p
}

func TestSSHWithKnownHosts(t *testing.T) {
	u := newUpstream(t)
	h := u.commit("main", "one", map[string]string{"index.html": "over ssh"})
	srv := startSSHD(t)
	me, err := user.Current()
	must(t, err)
	url := fmt.Sprintf("ssh://%s@%s%s", me.Username, srv.addr, u.bare)

	t.Run("trusted host key", func(t *testing.T) {
		s := startSyncer(t, Config{URL: url, Interval: -1, Auth: Auth{
			SSHKeyFile: srv.clientKey, SSHKeyPassphrase: srv.passphrase,
			KnownHostsFile: srv.knownHosts(t, srv.hostKeyLine),
		}})
		if got := readServed(t, s, "index.html"); got != "over ssh" || s.Status().Revision != h {
			t.Fatalf("index.html = %q, status %+v", got, s.Status())
		}
	})
	t.Run("unknown host key refused", func(t *testing.T) {
		// A known_hosts that trusts another key for this address: the
		// man in the middle case.
		other := filepath.Join(t.TempDir(), "other")
		out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other).CombinedOutput()
		if err != nil {
			t.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
		pub, err := os.ReadFile(other + ".pub")
		must(t, err)
		f := strings.Fields(string(pub))
		s, err := New(Config{URL: url, Dest: filepath.Join(t.TempDir(), "site"), Interval: -1, Auth: Auth{
			SSHKeyFile: srv.clientKey, SSHKeyPassphrase: srv.passphrase,
			KnownHostsFile: srv.knownHosts(t, f[0]+" "+f[1]),
		}})
		must(t, err)
		defer s.Close()
		err = s.Start(context.Background())
		if err == nil || !strings.Contains(err.Error(), "key mismatch") {
			t.Fatalf("Start with a wrong host key = %v, want a key mismatch", err)
		}
		if _, err := os.Stat(s.Dir()); !os.IsNotExist(err) {
			t.Fatal("something was deployed from an untrusted host")
		}
	})
	t.Run("explicit opt-out", func(t *testing.T) {
		s := startSyncer(t, Config{URL: url, Interval: -1, Auth: Auth{
			SSHKeyFile: srv.clientKey, SSHKeyPassphrase: srv.passphrase,
			KnownHostsFile: filepath.Join(t.TempDir(), "absent"), InsecureIgnoreHostKey: true,
		}})
		if got := readServed(t, s, "index.html"); got != "over ssh" {
			t.Fatalf("index.html = %q", got)
		}
	})
	t.Run("wrong passphrase", func(t *testing.T) {
		s, err := New(Config{URL: url, Dest: filepath.Join(t.TempDir(), "site"), Interval: -1, Auth: Auth{
			SSHKeyFile: srv.clientKey, SSHKeyPassphrase: "wrong",
			KnownHostsFile: srv.knownHosts(t, srv.hostKeyLine),
		}})
		must(t, err)
		defer s.Close()
		if err := s.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "Auth.SSHKeyFile") {
			t.Fatalf("Start with a wrong passphrase = %v", err)
		}
	})
}
