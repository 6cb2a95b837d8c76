package fcgi

import (
	"path"
	"strings"
)

// splitScript splits the request path p into the script and PATH_INFO at
// the first occurrence of split that ends p or is followed by '/'.
//
// split must be lower-case ASCII. The comparison folds ASCII letters only
// and works on byte offsets of p itself: lower-casing p first with Unicode
// rules would change byte lengths ("İ" becomes three bytes) and shift the
// cut, and Unicode folding would let "ſ" or the Kelvin sign stand for 's'
// or 'k' in a split such as ".ks".
func splitScript(p, split string) (script, pathInfo string, ok bool) {
	if split == "" {
		return "", "", false
	}
	for from := 0; from+len(split) <= len(p); {
		i := indexFoldASCII(p[from:], split)
		if i < 0 {
			return "", "", false
		}
		end := from + i + len(split)
		if end == len(p) || p[end] == '/' {
			return p[:end], p[end:], true
		}
		from += i + 1
	}
	return "", "", false
}

// indexFoldASCII is strings.Index with ASCII case folding; sub must be
// lower-case.
func indexFoldASCII(s, sub string) int {
	if len(sub) == 0 {
		return 0
	}
	first := sub[0]
	for i := 0; i+len(sub) <= len(s); i++ {
		if lowerASCII(s[i]) != first {
			continue
		}
		if hasPrefixFoldASCII(s[i:], sub) {
			return i
		}
	}
	return -1
}

// hasPrefixFoldASCII reports whether s starts with the lower-case prefix,
// folding ASCII letters of s only.
func hasPrefixFoldASCII(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for j := 0; j < len(prefix); j++ {
		if lowerASCII(s[j]) != prefix[j] {
			return false
		}
	}
	return true
}

// hasSuffixFoldASCII reports whether s ends with the lower-case suffix.
func hasSuffixFoldASCII(s, suffix string) bool {
	return len(s) >= len(suffix) && hasPrefixFoldASCII(s[len(s)-len(suffix):], suffix)
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// cleanRequestPath is path.Clean on a rooted path that keeps a trailing
// slash, the mark of a directory request.
func cleanRequestPath(p string) string {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	c := path.Clean(p) // p itself, with no allocation, when already clean
	if c != "/" && strings.HasSuffix(p, "/") {
		c += "/"
	}
	return c
}
