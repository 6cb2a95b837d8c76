package browse

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

// entry is one listed file, kept small: a folder of 100,000 entries is
// held as 100,000 of these (or only offset+limit of them, see collect),
// never as os.FileInfo values.
type entry struct {
	name  string
	size  int64
	mtime int64       // Unix nanoseconds
	mode  fs.FileMode // of the target, for symlinks
	link  bool        // the entry is a symlink (to a file or folder inside the root)
}

func (e *entry) isDir() bool { return e.mode.IsDir() }

// readBatch is how many entries one ReadDir call returns: enough to keep
// syscalls few, small enough that the batch's garbage stays small.
const readBatch = 1024

// collect reads the folder dir (a cleaned, rooted request path) in one
// readdir pass, skipping hidden entries, entries that cannot be served
// (devices, pipes, sockets) and symlinks that are broken or leave the root.
// With a limit it keeps only the offset+limit entries that sort first, so
// memory stays bounded however large the folder; without one it keeps every
// entry. It returns the kept entries sorted and cut to the page, and the
// number of visible entries.
func (s *Server) collect(f *os.File, dir string, q listQuery) ([]entry, int, error) {
	less := entryLess(q)
	keep := 0 // 0: keep all
	if q.limit > 0 {
		keep = q.offset + q.limit
	}
	var (
		kept  []entry
		total int
	)
	for {
		batch, err := f.ReadDir(readBatch)
		for _, de := range batch {
			e, ok := s.entryOf(dir, de)
			if !ok {
				continue
			}
			total++
			if keep == 0 {
				kept = append(kept, e)
			} else {
				kept = pushBounded(kept, e, keep, less)
			}
		}
		if errors.Is(err, io.EOF) || (err == nil && len(batch) == 0) {
			break
		}
		if err != nil {
			return nil, 0, err
		}
	}
	slices.SortFunc(kept, func(a, b entry) int {
		if less(&a, &b) {
			return -1
		}
		if less(&b, &a) {
			return 1
		}
		return 0
	})
	if q.offset >= len(kept) {
		return nil, total, nil
	}
	kept = kept[q.offset:]
	if q.limit > 0 && len(kept) > q.limit {
		kept = kept[:q.limit]
	}
	return kept, total, nil
}

// entryOf turns a directory entry into a listed entry, or says to skip it.
func (s *Server) entryOf(dir string, de fs.DirEntry) (entry, bool) {
	name := de.Name()
	if s.hide.hiddenEntry(dir, name) {
		return entry{}, false
	}
	// Files read from an os.Root folder carry their lstat already: Info
	// costs no syscall here.
	fi, err := de.Info()
	if err != nil {
		return entry{}, false // gone since readdir
	}
	link := fi.Mode()&fs.ModeSymlink != 0
	if link {
		// One stat per symlink, through the root: it follows the link and
		// fails when the target is missing or outside the root.
		if fi, err = s.root.Stat(rootName(path.Join(dir, name))); err != nil {
			return entry{}, false
		}
	}
	if !fi.Mode().IsRegular() && !fi.IsDir() {
		return entry{}, false
	}
	size := fi.Size()
	if fi.IsDir() {
		size = -1
	}
	return entry{name: name, size: size, mtime: fi.ModTime().UnixNano(), mode: fi.Mode(), link: link}, true
}

// entryLess orders entries for q: folders first, then by the sort key in
// the requested order, then by name so the order is total and stable
// across pages.
func entryLess(q listQuery) func(a, b *entry) bool {
	return func(a, b *entry) bool {
		if ad, bd := a.isDir(), b.isDir(); ad != bd {
			return ad
		}
		c := 0
		switch q.sort {
		case SortSize:
			c = cmpInt(a.size, b.size)
		case SortTime:
			c = cmpInt(a.mtime, b.mtime)
		}
		if c == 0 {
			c = compareNames(a.name, b.name)
		}
		if q.desc {
			return c > 0
		}
		return c < 0
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareNames orders names as people expect: ASCII case ignored and runs
// of digits compared as numbers, so "file2" comes before "file10" and "b"
// before "C"; equal names by that measure fall back to bytewise order, so
// the order is total. The page's script sorts the same way.
func compareNames(a, b string) int {
	if c := compareNatural(a, b); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func compareNatural(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		x, y := a[i], b[j]
		if isDigit(x) && isDigit(y) {
			si, sj := i, j
			for i < len(a) && a[i] == '0' {
				i++
			}
			for j < len(b) && b[j] == '0' {
				j++
			}
			ei, ej := i, j
			for ei < len(a) && isDigit(a[ei]) {
				ei++
			}
			for ej < len(b) && isDigit(b[ej]) {
				ej++
			}
			// More significant digits is a bigger number; same length
			// compares digit by digit; then fewer leading zeros first.
			if c := cmpInt(int64(ei-i), int64(ej-j)); c != 0 {
				return c
			}
			if c := strings.Compare(a[i:ei], b[j:ej]); c != 0 {
				return c
			}
			if c := cmpInt(int64(ei-si), int64(ej-sj)); c != 0 {
				return c
			}
			i, j = ei, ej
			continue
		}
		if x, y = lowerASCII(x), lowerASCII(y); x != y {
			if x < y {
				return -1
			}
			return 1
		}
		i++
		j++
	}
	return cmpInt(int64(len(a)-i), int64(len(b)-j))
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// pushBounded adds e to h, a max-heap (by less) of at most n entries: the
// n entries that sort first among all pushed so far.
func pushBounded(h []entry, e entry, n int, less func(a, b *entry) bool) []entry {
	if len(h) < n {
		h = append(h, e)
		// sift up
		for i := len(h) - 1; i > 0; {
			p := (i - 1) / 2
			if !less(&h[p], &h[i]) {
				break
			}
			h[p], h[i] = h[i], h[p]
			i = p
		}
		return h
	}
	if !less(&e, &h[0]) {
		return h // sorts after everything kept
	}
	h[0] = e
	// sift down
	for i := 0; ; {
		l, r, big := 2*i+1, 2*i+2, i
		if l < len(h) && less(&h[big], &h[l]) {
			big = l
		}
		if r < len(h) && less(&h[big], &h[r]) {
			big = r
		}
		if big == i {
			break
		}
		h[i], h[big] = h[big], h[i]
		i = big
	}
	return h
}
