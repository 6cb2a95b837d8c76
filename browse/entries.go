package browse

import (
	"cmp"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/httpmw/httpmw/internal/ascii"
)

// entry is one listed file, kept small: a page is held as these, never as
// os.FileInfo values.
type entry struct {
	name  string
	key   string // natural sort key of name, see appendNaturalKey
	size  int64
	mtime int64       // Unix nanoseconds
	mode  fs.FileMode // of the target, for symlinks
	link  bool        // the entry is a symlink (to a file or folder inside the root)
}

func (e *entry) isDir() bool { return e.mode.IsDir() }

// readBatch is how many entries one ReadDir call returns: enough to keep
// syscalls few, small enough that the batch's garbage stays small.
const readBatch = 1024

// collect reads the folder dir (a cleaned, rooted path inside the root,
// its symlinks resolved) in one ReadDir pass, skipping hidden entries,
// entries that cannot be served (devices, pipes, sockets), symlinks that
// are broken or leave the root and symlinks to hidden names. With a limit
// it keeps only the offset+limit entries that sort first (a bounded
// max-heap), so memory stays bounded however large the folder; without
// one it keeps every entry. It returns the page, sorted, and the number of
// visible entries.
func (s *Server) collect(root *os.Root, f *os.File, dir string, q listQuery) ([]entry, int, error) {
	cmp := entryCompare(q)
	keep := 0 // 0: keep all
	if q.limit > 0 {
		keep = q.offset + q.limit
	}
	var kept []entry
	var keyBuf []byte // reused for every entry's natural key
	total := 0
	for {
		batch, err := f.ReadDir(readBatch)
		for _, de := range batch {
			e, ok := s.entryOf(root, dir, de, &keyBuf)
			if !ok {
				continue
			}
			total++
			if keep > 0 {
				kept = pushBounded(kept, e, keep, cmp)
			} else {
				kept = append(kept, e)
			}
		}
		if errors.Is(err, io.EOF) || (err == nil && len(batch) == 0) {
			break
		}
		if err != nil {
			return nil, 0, err
		}
	}
	slices.SortFunc(kept, func(a, b entry) int { return cmp(&a, &b) })
	page := kept[min(q.offset, len(kept)):]
	if q.limit > 0 && len(page) > q.limit {
		page = page[:q.limit]
	}
	return page, total, nil
}

// entryOf turns a directory entry into a listed entry, or says to skip it.
// Info lstats the entry relative to the folder, which was opened through
// the os.Root. keyBuf is scratch space for the natural key.
func (s *Server) entryOf(root *os.Root, dir string, de fs.DirEntry, keyBuf *[]byte) (entry, bool) {
	name := de.Name()
	if s.hide.hiddenEntry(dir, name) {
		return entry{}, false
	}
	fi, err := de.Info()
	if err != nil {
		return entry{}, false // gone since it was read
	}
	e := entry{name: name, size: fi.Size(), mtime: fi.ModTime().UnixNano(), mode: fi.Mode()}
	if e.mode&fs.ModeSymlink != 0 {
		// One stat per symlink, through the root: it follows the link and
		// fails when the target is missing or outside the root.
		p := path.Join(dir, name)
		fi, err := root.Stat(rootName(p))
		if err != nil {
			return entry{}, false
		}
		if ok, _ := s.visible(root, p); !ok {
			return entry{}, false // a link to a hidden name (envlink -> .env)
		}
		e.size, e.mtime, e.mode, e.link = fi.Size(), fi.ModTime().UnixNano(), fi.Mode(), true
	}
	if !e.mode.IsRegular() && !e.mode.IsDir() {
		return entry{}, false
	}
	if e.mode.IsDir() {
		e.size = -1
	}
	*keyBuf = appendNaturalKey((*keyBuf)[:0], name)
	e.key = name // lower case without digits: the name is its own key
	if string(*keyBuf) != name {
		e.key = string(*keyBuf)
	}
	return e, true
}

// entryCompare orders entries for q: folders first, then by the sort key
// in the requested order, then by name, so the order is total and pages
// never overlap.
func entryCompare(q listQuery) func(a, b *entry) int {
	return func(a, b *entry) int {
		if ad, bd := a.isDir(), b.isDir(); ad != bd {
			if ad {
				return -1
			}
			return 1
		}
		c := 0
		switch q.sort {
		case SortSize:
			c = cmp.Compare(a.size, b.size)
		case SortTime:
			c = cmp.Compare(a.mtime, b.mtime)
		}
		if c == 0 {
			if c = strings.Compare(a.key, b.key); c == 0 {
				c = strings.Compare(a.name, b.name)
			}
		}
		if q.desc {
			return -c
		}
		return c
	}
}

// appendNaturalKey appends a key for s whose bytewise order is
// compareNatural's, so that a sort compares keys made once per entry
// instead of walking names digit by digit at every comparison. A letter
// becomes its lower case; a run of digits becomes '0' (no digit can
// compare differently against a non-digit than '0' does), the length of
// the number without leading zeros, its digits, and the run's full length
// (fewer leading zeros first). Runs are at most 255 long, as names are.
func appendNaturalKey(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			// A run of non-digits: copied at once, then lowered in place.
			j := i + 1
			for j < len(s) && !isDigit(s[j]) {
				j++
			}
			start := len(b)
			b = append(b, s[i:j]...)
			for k := start; k < len(b); k++ {
				b[k] = ascii.Lower(b[k])
			}
			i = j
			continue
		}
		start := i
		for i < len(s) && s[i] == '0' {
			i++
		}
		sig := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		b = append(b, '0', byte(min(i-sig, 255)))
		b = append(b, s[sig:i]...)
		b = append(b, byte(min(i-start, 255)))
	}
	return b
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// pushBounded adds e to h, a max-heap (by cmp) of at most n entries: the
// n entries that sort first among all pushed so far.
func pushBounded(h []entry, e entry, n int, cmp func(a, b *entry) int) []entry {
	less := func(i, j int) bool { return cmp(&h[i], &h[j]) < 0 }
	if len(h) < n {
		h = append(h, e)
		for i := len(h) - 1; i > 0; { // sift up
			p := (i - 1) / 2
			if !less(p, i) {
				break
			}
			h[p], h[i] = h[i], h[p]
			i = p
		}
		return h
	}
	if cmp(&e, &h[0]) >= 0 {
		return h // sorts after everything kept
	}
	h[0] = e
	for i := 0; ; { // sift down
		l, r, big := 2*i+1, 2*i+2, i
		if l < len(h) && less(big, l) {
			big = l
		}
		if r < len(h) && less(big, r) {
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
