package browse

import (
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"syscall"
)

// Limits on request paths: beyond them no file can exist on Linux, and
// refusing early keeps a hostile path from reaching the filesystem at all.
const (
	maxPathLen    = 4096 // PATH_MAX
	maxSegmentLen = 255  // NAME_MAX
)

// cleanRequestPath turns a decoded request path into the rooted, cleaned
// path of a file ("/", "/a", "/a/b.txt") and says whether the request ended
// with a slash. A non-zero status refuses the request: 400 for paths no
// honest client sends ("..", backslashes, NUL, absurd length), 404 for a
// segment longer than any file name can be.
func cleanRequestPath(p string) (clean string, slash bool, status int) {
	if len(p) > maxPathLen {
		return "", false, http.StatusBadRequest
	}
	if strings.ContainsAny(p, "\\\x00") {
		return "", false, http.StatusBadRequest
	}
	for seg := range strings.SplitSeq(p, "/") {
		if seg == ".." {
			return "", false, http.StatusBadRequest
		}
		if len(seg) > maxSegmentLen {
			return "", false, http.StatusNotFound
		}
	}
	slash = strings.HasSuffix(p, "/")
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return path.Clean(p), slash, 0
}

// rootName is the name of a cleaned request path inside the os.Root.
func rootName(clean string) string {
	if clean == "/" {
		return "."
	}
	return clean[1:]
}

// statusForFSError maps an error from the os.Root to the status a client
// sees. Anything that says "there is no such file for you" is 404: missing
// files, a file used as a folder, symlink loops and symlinks leaving the
// root (os.Root reports those with an unexported error), names too long.
// Only trouble on the server's side (no file descriptors, I/O errors) is a
// 500, which the caller reports.
func statusForFSError(err error) int {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return http.StatusForbidden
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE),
		errors.Is(err, syscall.ENOMEM), errors.Is(err, syscall.EIO):
		return http.StatusInternalServerError
	default:
		return http.StatusNotFound
	}
}
