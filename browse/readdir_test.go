package browse

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestReadDirMatchesPortable: the platform's fast readdir reports exactly
// what os.File.ReadDir does, for every kind of entry, in batches large
// enough to be stat'ed in parallel.
func TestReadDirMatchesPortable(t *testing.T) {
	dir := t.TempDir()
	for i := range 700 {
		writeFile(t, dir, fmt.Sprintf("f%03d", i), strings.Repeat("x", i))
	}
	os.Mkdir(filepath.Join(dir, "sub"), 0o750)
	os.Symlink("f001", filepath.Join(dir, "link"))
	os.Symlink("/nowhere", filepath.Join(dir, "dangling"))
	mkfifo(filepath.Join(dir, "pipe"))
	os.Chmod(filepath.Join(dir, "f002"), 0o4755)

	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	read := func(fn func(*os.File, readDirFunc) error) []dirent {
		f, err := root.Open(".")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var (
			mu  sync.Mutex
			all []dirent
		)
		err = fn(f, func(w int, b []dirent) {
			mu.Lock()
			defer mu.Unlock()
			if w < 0 || w >= 4 {
				t.Errorf("worker %d of 4", w)
			}
			for _, d := range b {
				d.name = strings.Clone(d.name) // valid only during the call
				all = append(all, d)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(all, func(a, b dirent) int { return strings.Compare(a.name, b.name) })
		return all
	}
	fast := read(func(f *os.File, fn readDirFunc) error { return readDir(f, &readScratch{}, 4, fn) })
	portable := read(readDirPortable)
	if len(fast) != 704 && len(fast) != 703 {
		t.Errorf("%d entries", len(fast))
	}
	if !slices.Equal(fast, portable) {
		for i := range min(len(fast), len(portable)) {
			if fast[i] != portable[i] {
				t.Errorf("first difference: %+v vs portable %+v", fast[i], portable[i])
				break
			}
		}
		t.Fatalf("readDir and readDirPortable differ (%d vs %d entries)", len(fast), len(portable))
	}
}

// TestReadDirPanicReachesCaller: a panic in fn on a helper goroutine is
// raised again on the caller's, where net/http would recover it, instead
// of killing the process.
func TestReadDirPanicReachesCaller(t *testing.T) {
	dir := t.TempDir()
	for i := range 1000 {
		writeFile(t, dir, fmt.Sprintf("f%04d", i), "")
	}
	// Which goroutine stats which entries is up to the scheduler: try
	// until the helper has had some (almost always the first time), with
	// two Ps even on one CPU so that it runs beside the reader.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(runtime.GOMAXPROCS(0), 2)))
	for range 20 {
		f, err := os.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		helper := make(chan struct{})
		p := func() (p any) {
			defer func() { p = recover() }()
			readDir(f, &readScratch{}, 2, func(w int, _ []dirent) {
				if w == 1 || runtime.GOOS != "linux" {
					close(helper)
					panic("boom")
				}
				// This goroutine's share is done; wait for the helper's,
				// which may have found no entry left to take.
				select {
				case <-helper:
				case <-time.After(200 * time.Millisecond):
				}
			})
			return nil
		}()
		f.Close()
		select {
		case <-helper:
			if p != "boom" {
				t.Fatalf("recovered %v, want boom", p)
			}
			return
		default:
		}
	}
	t.Fatal("in 20 listings the helper goroutine never got an entry")
}
