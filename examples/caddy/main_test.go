package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// startRunner starts a runner on loopback for conf and stops it at the end.
func startRunner(t *testing.T, conf, root string) *runner {
	t.Helper()
	r := &runner{conf: conf, host: "127.0.0.1", defaultAddr: "127.0.0.1:0", defaultRoot: root, logOut: io.Discard}
	if err := r.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r.shutdown(ctx)
	})
	return r
}

func TestNoCaddyfileServesTheFolderWithAWelcome(t *testing.T) {
	dir := t.TempDir()
	r := startRunner(t, filepath.Join(dir, "Caddyfile"), dir)
	url := "http://" + r.addrs()["127.0.0.1:0"]
	if code, body := get(t, url+"/"); code != 200 || !strings.Contains(body, "It works") || !strings.Contains(body, "Caddyfile") {
		t.Fatalf("welcome: %d %q", code, body)
	}
	write(t, filepath.Join(dir, "notes.txt"), "hello")
	if code, body := get(t, url+"/"); code != 200 || !strings.Contains(body, "notes.txt") {
		t.Fatalf("listing: %d %q", code, body)
	}
	if code, body := get(t, url+"/notes.txt"); code != 200 || body != "hello" {
		t.Fatalf("file: %d %q", code, body)
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good"), filepath.Join(dir, "bad")
	write(t, good, ":2015\ngzip\nbrowse\n")
	write(t, bad, ":2015 {\n\tgzip\n\tproxy / a:1 {\n\t\tpolicy fastest\n\t}\n}\n")
	if err := validateFile(good); err != nil {
		t.Fatal(err)
	}
	err := validateFile(bad)
	if err == nil || !strings.HasPrefix(err.Error(), bad+`:4:3: proxy: policy: unknown policy "fastest"`) {
		t.Fatalf("bad file: %v", err)
	}
	if err := validateFile(filepath.Join(dir, "none")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("missing file: %v", err)
	}
}

// TestReloadUnderLoad reloads the file while 4 clients keep requesting,
// some of them slow requests through a proxy that span a reload: no request
// may fail, and a bad file must leave the running configuration in place.
func TestReloadUnderLoad(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a", "index.html"), "one")
	write(t, filepath.Join(dir, "b", "index.html"), "two")
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(40 * time.Millisecond) // a request still running when the reload comes
		io.WriteString(w, "slow")
	}))
	defer slow.Close()
	conf := filepath.Join(dir, "Caddyfile")
	logFile := filepath.Join(dir, "access.log")
	site := func(root string) string {
		return fmt.Sprintf(":0 {\n\troot %s\n\tlog %s\n\tgzip\n\tproxy /slow %s\n}\n", filepath.Join(dir, root), logFile, slow.Listener.Addr())
	}
	write(t, conf, site("a"))
	r := startRunner(t, conf, dir)
	url := "http://" + r.addrs()[":0"]

	var ok, failed atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 5 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				path, want := "/", []string{"one", "two"}
				if (i+w)%3 == 0 {
					path, want = "/slow", []string{"slow"}
				}
				res, err := client.Get(url + path)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				b, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err != nil || res.StatusCode != 200 || !(string(b) == want[0] || len(want) > 1 && string(b) == want[1]) {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("%s: %d %q %v", path, res.StatusCode, b, err))
					continue
				}
				ok.Add(1)
			}
		}()
	}

	reloads := 0
	deadline := time.Now().Add(2 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		time.Sleep(50 * time.Millisecond) // pacing the reloads, not synchronizing
		if i%5 == 4 {
			write(t, conf, ":0 {\n\tgzip {\n\t\tlevel 99\n\t}\n}\n")
			if err := r.reload(); err == nil || !strings.Contains(err.Error(), "Caddyfile:3:3: gzip: level") {
				t.Errorf("bad file: %v", err)
			}
			continue
		}
		write(t, conf, site([]string{"a", "b"}[i%2]))
		if err := r.reload(); err != nil {
			t.Fatal(err)
		}
		reloads++
	}
	close(stop)
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d of %d requests failed across %d reloads; first: %v", failed.Load(), failed.Load()+ok.Load(), reloads, firstErr.Load())
	}
	if ok.Load() < 20 || reloads < 10 {
		t.Fatalf("too little load to tell: %d requests, %d reloads", ok.Load(), reloads)
	}
	write(t, conf, site("b"))
	if err := r.reload(); err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, url+"/"); body != "two" {
		t.Fatalf("after the last reload: %q", body)
	}
	t.Logf("%d requests, %d reloads, none failed", ok.Load(), reloads)
}

// TestSIGUSR1Reloads sends the process a real SIGUSR1.
func TestSIGUSR1Reloads(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "Caddyfile")
	write(t, filepath.Join(dir, "index.html"), "before")
	write(t, filepath.Join(dir, "new", "index.html"), "after")
	write(t, conf, ":0\nroot "+dir+"\n")
	r := &runner{conf: conf, host: "127.0.0.1", logOut: io.Discard}
	if err := r.start(); err != nil {
		t.Fatal(err)
	}
	url := "http://" + r.addrs()[":0"]
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1)
	defer signal.Stop(sigs)
	results := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.handleSignals(sigs, func(err error) { results <- err })
	}()

	write(t, conf, ":0\nroot "+filepath.Join(dir, "new")+"\n")
	syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	if err := <-results; err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, url+"/"); body != "after" {
		t.Fatalf("after SIGUSR1: %q", body)
	}
	write(t, conf, ":0\nnosuch\n")
	syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	if err := <-results; err == nil || !strings.Contains(err.Error(), `unknown directive "nosuch"`) {
		t.Fatalf("bad file: %v", err)
	}
	if _, body := get(t, url+"/"); body != "after" {
		t.Fatalf("a bad file replaced the running configuration: %q", body)
	}
	sigs <- syscall.SIGTERM // graceful shutdown ends handleSignals
	<-done
}
