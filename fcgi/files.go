package fcgi

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxKnownFiles bounds the files remembered; past it the memory starts over.
const maxKnownFiles = 4096

// files answers "is this URL path a regular file under Root?" and
// remembers a yes for FileCache, as nginx's open_file_cache does, so that a
// busy site does not stat its front controller on every request (the stat
// and its path join were 5% of the front's CPU per request when profiled
// under bench's fcgi rows).
// Only files found are remembered: a request for a missing one costs a
// stat, as before, and cannot fill the memory. A script deleted less than
// FileCache ago may still be sent; php-fpm then answers 404 itself.
type files struct {
	root string
	ttl  time.Duration // 0: no memory

	known sync.Map // URL path -> knownFile
	count atomic.Int64
}

type knownFile struct {
	filename string
	until    time.Time
}

// lookup returns the file urlPath names under root and whether it is a
// regular file.
func (f *files) lookup(urlPath string) (string, bool) {
	if v, ok := f.known.Load(urlPath); ok {
		k := v.(knownFile)
		if time.Now().Before(k.until) {
			return k.filename, true
		}
	}
	filename := filepath.Join(f.root, filepath.FromSlash(urlPath))
	fi, err := os.Stat(filename)
	if err != nil || !fi.Mode().IsRegular() {
		if _, had := f.known.LoadAndDelete(urlPath); had {
			f.count.Add(-1)
		}
		return filename, false
	}
	if f.ttl > 0 {
		// The key is cloned: urlPath may be a slice of a request line of
		// up to a megabyte (a script followed by a long PATH_INFO), which
		// the map would otherwise keep alive.
		_, had := f.known.Swap(strings.Clone(urlPath), knownFile{filename, time.Now().Add(f.ttl)})
		if !had && f.count.Add(1) > maxKnownFiles {
			f.known.Clear() // the count is approximate under races; a bound, not a tally
			f.count.Store(0)
		}
	}
	return filename, true
}
