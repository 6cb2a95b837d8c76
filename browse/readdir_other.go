//go:build !linux

package browse

import "os"

// readDir reads the folder f in batches; see readDirPortable.
func readDir(f *os.File, fn func([]dirent)) error { return readDirPortable(f, fn) }
