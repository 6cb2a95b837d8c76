package browse

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"strings"
)

// maxLinks bounds the symlinks followed while resolving one path, as
// Linux's ELOOP does.
const maxLinks = 40

var (
	errLeavesRoot = errors.New("symlink leads out of the root")
	errLinkLoop   = errors.New("too many symlinks")
)

// resolvedPath returns the cleaned, rooted path inside root that the
// cleaned, rooted path name leads to, every symlink on the way followed:
// "/gitlink/config" is "/.git/config" when gitlink -> .git. It fails when a
// component is missing or a link leads out of the root, where os.Root
// would refuse too. Each component costs one lstat, a link one readlink.
func resolvedPath(root *os.Root, name string) (string, error) {
	var done []string // resolved components, none a symlink
	todo := strings.Split(rootName(name), "/")
	links := 0
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(done) == 0 {
				return "", errLeavesRoot
			}
			done = done[:len(done)-1]
			continue
		}
		p := path.Join(path.Join(done...), c)
		fi, err := root.Lstat(p)
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			done = append(done, c)
			continue
		}
		if links++; links > maxLinks {
			return "", errLinkLoop
		}
		target, err := root.Readlink(p)
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(target, "/") {
			return "", errLeavesRoot
		}
		todo = append(strings.Split(target, "/"), todo...)
	}
	return "/" + strings.Join(done, "/"), nil
}

// visible reports whether the cleaned, rooted path name is shown: neither
// it nor the path it resolves to inside root is hidden, so a link
// "envlink -> .env" hides as .env does. A path that does not resolve is
// not visible; the error says why (it is nil for a hidden one).
func (s *Server) visible(root *os.Root, name string) (bool, error) {
	if s.hide.hidden(name) {
		return false, nil
	}
	if !s.hide.active() {
		return true, nil
	}
	real, err := resolvedPath(root, name)
	if err != nil {
		return false, err
	}
	return !s.hide.hidden(real), nil
}
