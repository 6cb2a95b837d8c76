//go:build unix

package browse

import (
	"io/fs"
	"syscall"
)

// folderID identifies a folder (device and inode), to tell whether a path
// still names the folder a tree was opened on.
type folderID struct{ dev, ino uint64 }

// statFolderID stats path, following every symlink on it. It is the
// per-request check of a followed Root: one stat(2) and no allocation
// beyond the path's C string, where os.Stat builds a FileInfo.
func statFolderID(path string) (folderID, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return folderID{}, err
	}
	return folderID{uint64(st.Dev), uint64(st.Ino)}, nil
}

// folderIDOf is the folderID of a FileInfo from os.Root.Stat. (The
// conversions are needed: Stat_t's field types differ by platform.)
func folderIDOf(fi fs.FileInfo) folderID {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return folderID{}
	}
	return folderID{uint64(st.Dev), uint64(st.Ino)}
}

func (a folderID) same(b folderID) bool { return a == b }
