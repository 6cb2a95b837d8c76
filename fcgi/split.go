package fcgi

import (
	"github.com/httpmw/httpmw/internal/ascii"
)

// splitScript splits the request path p into the script and PATH_INFO at
// the first occurrence of split that ends p or is followed by '/'.
//
// The comparison folds ASCII letters only (package internal/ascii)
// and works on byte offsets of p itself: lower-casing p first with Unicode
// rules would change byte lengths ("İ" becomes three bytes) and shift the
// cut, and Unicode folding would let "ſ" or the Kelvin sign stand for 's'
// or 'k' in a split such as ".ks".
func splitScript(p, split string) (script, pathInfo string, ok bool) {
	if split == "" {
		return "", "", false
	}
	for from := 0; from+len(split) <= len(p); {
		i := ascii.IndexFold(p[from:], split)
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
