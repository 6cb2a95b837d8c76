package browse

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"runtime"
)

// dirent is what one readdir pass learns about an entry: its name and
// its lstat facts (a symlink is reported as such, not followed).
type dirent struct {
	name  string
	mode  fs.FileMode // type bits and permissions
	size  int64
	mtime int64 // Unix nanoseconds
}

// readWorkers is how many goroutines readDir may hand batches to at once:
// on a large folder the stats are most of a listing's cost, and they
// spread over cores.
func readWorkers() int { return min(runtime.GOMAXPROCS(0), 4) }

// readDirFunc is what readDir and readDirPortable hand each batch to.
// Calls with different worker numbers (0 to workers-1) may run at the
// same time; calls with the same number never do, so per-worker state
// needs no lock. The batch, and the names in it, are valid only until
// the call returns.
type readDirFunc func(worker int, batch []dirent)

// readDirPortable reads the folder f in batches with os.File.ReadDir, which
// for a folder opened through an os.Root lstats each entry as it reads.
// It calls fn from this goroutine only, as worker 0.
func readDirPortable(f *os.File, fn readDirFunc) error {
	var out []dirent
	for {
		batch, err := f.ReadDir(readBatch)
		out = out[:0]
		for _, de := range batch {
			fi, err := de.Info()
			if err != nil {
				continue // gone since readdir
			}
			out = append(out, dirent{name: de.Name(), mode: fi.Mode(), size: fi.Size(), mtime: fi.ModTime().UnixNano()})
		}
		if len(out) > 0 {
			fn(0, out)
		}
		if errors.Is(err, io.EOF) || (err == nil && len(batch) == 0) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
