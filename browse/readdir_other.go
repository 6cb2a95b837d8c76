//go:build !linux

package browse

import "os"

// readScratch is readDir's reused memory: none here.
type readScratch struct{}

// readDir reads the folder f in batches; see readDirPortable.
func readDir(f *os.File, _ *readScratch, _ int, fn readDirFunc) error { return readDirPortable(f, fn) }
