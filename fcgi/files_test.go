package fcgi

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/testfpm"
)

// A script that appears is served at once (a miss is never remembered);
// one that disappears is still sent while remembered, and php-fpm answers
// 404 for it; with FileCache negative it is looked for on every request.
func TestFileCache(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	late := filepath.Join(fpm.Root, "late.php")

	for _, tc := range []struct {
		name      string
		cache     time.Duration
		remembers bool
	}{
		{"remembered", time.Hour, true},
		{"off", -1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSite(t, fpm, Config{FileCache: tc.cache})
			if res, _ := get(t, nil, s.srv.URL+"/late.php"); res.StatusCode != 404 {
				t.Fatalf("before the script exists: %d, want 404", res.StatusCode)
			}
			writeFile(t, fpm.Root, "late.php", `<?php echo "late\n";`)
			if res, body := get(t, nil, s.srv.URL+"/late.php"); res.StatusCode != 200 || body != "late\n" {
				t.Fatalf("once it exists: %d %q, want 200 late", res.StatusCode, body)
			}
			if err := os.Remove(late); err != nil {
				t.Fatal(err)
			}
			res, body := get(t, nil, s.srv.URL+"/late.php")
			if res.StatusCode != 404 {
				t.Fatalf("after it is gone: %d %q, want 404", res.StatusCode, body)
			}
			// php-fpm's own answers for a script it cannot open.
			fromFPM := strings.Contains(body, "No input file specified") || strings.Contains(body, "File not found")
			if fromFPM != tc.remembers {
				t.Fatalf("after it is gone, php-fpm asked: %v, want %v (body %q)", fromFPM, tc.remembers, body)
			}
		})
	}
}

// However many scripts are looked up, the memory stays bounded.
func TestFileCacheBounded(t *testing.T) {
	root := t.TempDir()
	f := &files{root: root, ttl: time.Hour}
	for i := range maxKnownFiles + 100 {
		name := fmt.Sprintf("s%d.php", i)
		if err := os.WriteFile(filepath.Join(root, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, ok := f.lookup("/" + name); !ok {
			t.Fatalf("%s not found", name)
		}
	}
	n := 0
	f.known.Range(func(any, any) bool { n++; return true })
	if n > maxKnownFiles {
		t.Fatalf("%d files remembered, bound %d", n, maxKnownFiles)
	}
	if _, ok := f.lookup("/missing.php"); ok {
		t.Fatal("a missing file was found")
	}
	if err := os.Mkdir(filepath.Join(root, "dir.php"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.lookup("/dir.php"); ok {
		t.Fatal("a directory was taken for a script")
	}
}

// A remembered script must not keep alive the request line its path was
// cut from: a script followed by a megabyte of PATH_INFO, for each of
// many scripts, would otherwise pin a megabyte each.
func TestFileCacheKeepsNoRequestLine(t *testing.T) {
	root := t.TempDir()
	f := &files{root: root, ttl: time.Hour}
	const scripts = 32
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range scripts {
		name := fmt.Sprintf("/s%d.php", i)
		if err := os.WriteFile(filepath.Join(root, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		line := name + "/" + strings.Repeat("x", 1<<20) // as a request's path would be
		if _, ok := f.lookup(line[:len(name)]); !ok {
			t.Fatalf("%s not found", name)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(f) // the cache is in use, as in a running server
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > scripts<<20/2 {
		t.Fatalf("heap grew by %d bytes for %d remembered scripts: request lines are kept", grown, scripts)
	}
}
