package browse

import (
	"errors"
	"io"
	"io/fs"
	"os"
)

// dirent is what one readdir pass learns about an entry: its name and
// its lstat facts (a symlink is reported as such, not followed).
type dirent struct {
	name  string
	mode  fs.FileMode // type bits and permissions
	size  int64
	mtime int64 // Unix nanoseconds
}

// readDirPortable reads the folder f in batches with os.File.ReadDir, which
// for a folder opened through an os.Root lstats each entry as it reads.
// fn gets each batch; the slice is reused after fn returns.
func readDirPortable(f *os.File, fn func([]dirent)) error {
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
			fn(out)
		}
		if errors.Is(err, io.EOF) || (err == nil && len(batch) == 0) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
