//go:build unix

package logger

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestFileModeAndAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	if err := os.WriteFile(path, []byte("old line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l := mustNew(t, Config{Format: "{path}", File: path})
	srv := serve(t, l, hello)
	get(t, srv.Client(), mustRequest(t, srv.URL+"/new"))
	if data, _ := os.ReadFile(path); string(data) != "old line\n/new\n" {
		t.Fatalf("file holds %q: not appended", data)
	}

	fresh := filepath.Join(t.TempDir(), "fresh.log")
	l2 := mustNew(t, Config{File: fresh})
	l2.Close()
	fi, err := os.Stat(fresh)
	if err != nil {
		t.Fatal(err)
	}
	umask := syscall.Umask(0)
	syscall.Umask(umask)
	if want := os.FileMode(0o640) &^ os.FileMode(umask); fi.Mode().Perm() != want {
		t.Fatalf("mode %v, want %v (0640 under umask %03o)", fi.Mode().Perm(), want, umask)
	}
}

// TestReopenOnSignal plays logrotate: move the file away, send SIGHUP, and
// expect new lines in a new file at the configured path.
func TestReopenOnSignal(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	reopened := make(chan error, 1)
	l, err := newLogger(Config{Format: "{path}", File: path, ReopenOn: syscall.SIGHUP}, func(err error) { reopened <- err })
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	srv := serve(t, l, hello)

	get(t, srv.Client(), mustRequest(t, srv.URL+"/before"))
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	get(t, srv.Client(), mustRequest(t, srv.URL+"/moved")) // still the old file, as with any daemon
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-reopened:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SIGHUP did not reopen the file")
	}
	get(t, srv.Client(), mustRequest(t, srv.URL+"/after"))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(path + ".1")
	cur, _ := os.ReadFile(path)
	if string(old) != "/before\n/moved\n" || string(cur) != "/after\n" {
		t.Fatalf("rotated file %q, new file %q", old, cur)
	}
	if err := l.Reopen(); err != ErrClosed {
		t.Fatalf("Reopen after Close: %v", err)
	}
}
