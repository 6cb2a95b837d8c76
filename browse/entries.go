package browse

import (
	"cmp"
	"io/fs"
	"os"
	"path"
	"strings"
)

// entry is one listed file, kept small: a folder of 100,000 entries is
// held as 100,000 of these (or only offset+limit of them per reading
// goroutine, see collect), never as os.FileInfo values.
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
// its symlinks resolved) in one readdir pass, skipping hidden entries,
// entries that cannot be served (devices, pipes, sockets), symlinks that
// are broken or leave the root and symlinks to hidden names.
// With a limit it keeps only the offset+limit entries that sort first (per
// readDir worker, so at most readWorkers times that many while reading),
// so memory stays bounded however large the folder; without one it keeps
// every entry. It returns the kept entries sorted and cut to the page, and
// the number of visible entries. The entries live in sc: they are valid
// until sc is put back.
func (s *Server) collect(root *os.Root, f *os.File, dir string, q listQuery, sc *listScratch) ([]*entry, int, error) {
	cmp := entryCompare(q)
	keep := 0 // 0: keep all
	if q.limit > 0 {
		keep = q.offset + q.limit
	}
	// One gatherer per worker: batches arrive on several goroutines, and
	// each keeps its own entries, unlocked, until the read is over.
	gs := sc.gatherers(readWorkers())
	for _, g := range gs {
		g.s, g.root, g.dir, g.q, g.keep, g.cmp = s, root, dir, q, keep, cmp
	}
	err := readDir(f, &sc.read, len(gs), func(w int, batch []dirent) { gs[w].add(batch) })
	if err != nil {
		return nil, 0, err
	}
	total := 0
	for _, g := range gs {
		total += g.total
	}
	sorted := sc.sortGathered(gs, q, cmp)
	if keep > 0 && len(sorted) > keep {
		sorted = sorted[:keep]
	}
	if q.offset >= len(sorted) {
		return nil, total, nil
	}
	sorted = sorted[q.offset:]
	if q.limit > 0 && len(sorted) > q.limit {
		sorted = sorted[:q.limit]
	}
	page := sc.page[:0]
	for i := range sorted {
		page = append(page, sorted[i].e)
	}
	sc.page = page
	return page[:len(page):len(page)], total, nil
}

// entryOf turns a directory entry into a listed entry without its name
// and key (the caller gives it strings it owns), or says to skip it.
func (s *Server) entryOf(root *os.Root, dir string, d *dirent) (entry, bool) {
	if s.hide.hiddenEntry(dir, d.name) {
		return entry{}, false
	}
	e := entry{size: d.size, mtime: d.mtime, mode: d.mode}
	if d.mode&fs.ModeSymlink != 0 {
		// One stat per symlink, through the root: it follows the link and
		// fails when the target is missing or outside the root.
		p := path.Join(dir, d.name)
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
				b[k] = lowerASCII(b[k])
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

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// pushBounded adds e to h, a max-heap (by cmp) of at most n entries: the
// n entries that sort first among all pushed so far. An entry that goes in
// gets its own copy of its name and key, in one string.
func pushBounded(h []entry, e *entry, n int, cmp func(a, b *entry) int) []entry {
	less := func(a, b *entry) bool { return cmp(a, b) < 0 }
	if len(h) < n {
		h = append(h, ownStrings(*e))
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
	if !less(e, &h[0]) {
		return h // sorts after everything kept
	}
	h[0] = ownStrings(*e)
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

// ownStrings gives e a copy of its name and key in one new string, so
// that it pins no batch's text.
func ownStrings(e entry) entry {
	if e.key == e.name {
		e.name = strings.Clone(e.name)
		e.key = e.name
		return e
	}
	both := e.name + e.key
	e.name, e.key = both[:len(e.name)], both[len(e.name):]
	return e
}
