//go:build !unix

package browse

import (
	"io/fs"
	"os"
)

// folderID identifies a folder, to tell whether a path still names the
// folder a tree was opened on.
type folderID struct{ fi fs.FileInfo }

// statFolderID stats path, following every symlink on it.
func statFolderID(path string) (folderID, error) {
	fi, err := os.Stat(path)
	return folderID{fi}, err
}

// folderIDOf is the folderID of a FileInfo from os.Root.Stat.
func folderIDOf(fi fs.FileInfo) folderID { return folderID{fi} }

func (a folderID) same(b folderID) bool {
	return a.fi != nil && b.fi != nil && os.SameFile(a.fi, b.fi)
}
