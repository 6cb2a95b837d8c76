package logger

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// readLogs returns every line of path and its rotated copies, and the
// number of files.
func readLogs(t *testing.T, path string, maxSize int64) ([]string, int) {
	t.Helper()
	dir, base := filepath.Dir(path), filepath.Base(path)
	ext := filepath.Ext(base)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	files := 0
	for _, e := range entries {
		if e.Name() != base && !strings.HasPrefix(e.Name(), strings.TrimSuffix(base, ext)+"-") {
			continue
		}
		files++
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if maxSize > 0 && int64(len(data)) > maxSize {
			t.Errorf("%s: %d bytes, beyond MaxSize %d", e.Name(), len(data), maxSize)
		}
		if len(data) > 0 && data[len(data)-1] != '\n' {
			t.Errorf("%s: ends inside a line", e.Name())
		}
		lines = append(lines, strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")...)
	}
	return lines, files
}

func TestRotationUnderLoadLosesNoLine(t *testing.T) {
	for _, async := range []bool{false, true} {
		t.Run(fmt.Sprintf("async=%v", async), func(t *testing.T) {
			const n, maxSize = 1000, 8 << 10
			path := filepath.Join(t.TempDir(), "access.log")
			l := mustNew(t, Config{Format: Combined, File: path, Async: async, Rotate: Rotation{MaxSize: maxSize}})
			srv := serve(t, l, sizedHandler)
			concurrently(t, n, func(i int) *http.Request {
				return mustRequest(t, fmt.Sprintf("%s/item/%d?n=1", srv.URL, i))
			})
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			if l.Dropped() != 0 {
				t.Fatalf("dropped %d lines", l.Dropped())
			}
			lines, files := readLogs(t, path, maxSize)
			if files < 5 {
				t.Fatalf("only %d files: rotation did not happen", files)
			}
			seen := map[int]bool{}
			for _, line := range lines {
				m := apacheCombined.FindStringSubmatch(line)
				if m == nil {
					t.Fatalf("split or garbled line: %q", line)
				}
				var i int
				fmt.Sscanf(m[5], "GET /item/%d", &i)
				if seen[i] {
					t.Fatalf("request %d twice", i)
				}
				seen[i] = true
			}
			if len(seen) != n {
				t.Fatalf("%d of %d requests in %d files", len(seen), n, files)
			}
		})
	}
}

func TestRotationPrunesByCountAndAge(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "site.log")
	var now atomic.Int64
	now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	l := mustNew(t, Config{Format: "{path}", File: path, Now: clock,
		Rotate: Rotation{MaxSize: 10, MaxBackups: 3, MaxAge: 48 * time.Hour}})
	srv := serve(t, l, hello)

	// Each line ("/request-N\n") fills a file: every request rotates.
	for i := range 6 {
		now.Add(int64(time.Hour))
		get(t, srv.Client(), mustRequest(t, fmt.Sprintf("%s/request-%d", srv.URL, i)))
	}
	backups, _ := filepath.Glob(filepath.Join(dir, "site-*.log"))
	if len(backups) != 3 {
		t.Fatalf("MaxBackups 3: %d backups %v", len(backups), backups)
	}
	// Three days later, one more rotation: every backup is too old.
	now.Add(int64(72 * time.Hour))
	get(t, srv.Client(), mustRequest(t, srv.URL+"/late"))
	backups, _ = filepath.Glob(filepath.Join(dir, "site-*.log"))
	if len(backups) != 1 {
		t.Fatalf("MaxAge 48h: want only the newest backup, have %v", backups)
	}
	if data, _ := os.ReadFile(path); string(data) != "/late\n" {
		t.Fatalf("current file holds %q", data)
	}
}

func TestRotationKeepsLinesWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.log")
	var tick atomic.Int64
	clock := func() time.Time { return time.Unix(1e9+tick.Add(1), 0) } // a new backup name each time
	lf, err := openLogFile(path, Rotation{MaxSize: 10}, clock, func(err error) { t.Error(err) })
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	// A batch of lines as Async writes it, then a line beyond MaxSize.
	for _, p := range []string{"aaaa\nbbbb\ncccc\n", "a-line-longer-than-max\n", "dd\n"} {
		if n, err := lf.Write([]byte(p)); n != len(p) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", p, n, err)
		}
	}
	backups, _ := filepath.Glob(filepath.Join(dir, "a-*.log"))
	var files []string
	for _, b := range backups {
		data, _ := os.ReadFile(b)
		files = append(files, string(data))
	}
	cur, _ := os.ReadFile(path)
	files = append(files, string(cur))
	want := []string{"aaaa\nbbbb\n", "cccc\n", "a-line-longer-than-max\n", "dd\n"}
	if strings.Join(files, "|") != strings.Join(want, "|") {
		t.Fatalf("files %q, want %q", files, want)
	}
}
