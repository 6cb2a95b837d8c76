// Package urlpath cleans request paths the way the middleware that map
// them to files or rules need: rooted, without empty or dot segments, and
// never above "/", like path.Clean, but keeping a trailing slash, the mark
// of a directory request. fcgi, inner, rewrite and the root package's Path
// matching share it.
//
//	urlpath.Clean("a/../b/")   // "/b/"
//	urlpath.Clean("/../x")     // "/x"
//	urlpath.Clean("/docs/")    // "/docs/", the same string: no allocation
package urlpath

import (
	"path"
	"strings"
)

// Clean roots and cleans p, keeping a trailing slash. A path that is
// already clean, the usual case, is returned as it is.
func Clean(p string) string {
	if isClean(p) {
		return p
	}
	c := path.Clean("/" + p)
	if c != "/" && strings.HasSuffix(p, "/") {
		c += "/"
	}
	return c
}

// isClean reports whether p is rooted and has no empty or dot segments
// (a trailing slash is allowed).
func isClean(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] != '/' {
			continue
		}
		rest := p[i+1:]
		if strings.HasPrefix(rest, "/") || rest == "." || rest == ".." ||
			strings.HasPrefix(rest, "./") || strings.HasPrefix(rest, "../") {
			return false
		}
	}
	return true
}
