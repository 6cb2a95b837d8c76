package browse

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
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
	read := func(fn func(*os.File, func([]dirent)) error) []dirent {
		f, err := root.Open(".")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var all []dirent
		if err := fn(f, func(b []dirent) { all = append(all, b...) }); err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(all, func(a, b dirent) int { return strings.Compare(a.name, b.name) })
		return all
	}
	fast, portable := read(readDir), read(readDirPortable)
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
