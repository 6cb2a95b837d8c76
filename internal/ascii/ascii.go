// Package ascii compares strings ignoring the case of ASCII letters only.
//
// HTTP tokens, media types, file extensions and request paths are matched
// this way. Unicode folding (strings.EqualFold, strings.ToLower) would be
// wrong for them twice over: it lets "ſ" or the Kelvin sign stand for 's'
// or 'k', and it changes byte lengths ("İ" lowers to three bytes), so an
// offset found in a lowered copy no longer points into the original.
// Every function here keeps byte offsets: ToLower(s) has len(s) bytes.
package ascii

// Lower returns c lower-cased if it is an ASCII upper-case letter, and c
// otherwise.
func Lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// ToLower returns s with its ASCII letters lower-cased. It returns s
// itself, without allocating, when s has none in upper case.
func ToLower(s string) string {
	i := 0
	for i < len(s) && !('A' <= s[i] && s[i] <= 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		b[i] = Lower(b[i])
	}
	return string(b)
}

// EqualFold reports whether a and b are equal ignoring ASCII case.
func EqualFold(a, b string) bool {
	return len(a) == len(b) && HasPrefixFold(a, b)
}

// HasPrefixFold reports whether s starts with prefix, ignoring ASCII case.
func HasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if Lower(s[i]) != Lower(prefix[i]) {
			return false
		}
	}
	return true
}

// HasSuffixFold reports whether s ends with suffix, ignoring ASCII case.
func HasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && HasPrefixFold(s[len(s)-len(suffix):], suffix)
}

// IndexFold is strings.Index ignoring ASCII case: the byte offset in s of
// the first match of sub, or -1.
func IndexFold(s, sub string) int {
	if sub == "" {
		return 0
	}
	first := Lower(sub[0])
	for i := 0; i+len(sub) <= len(s); i++ {
		if Lower(s[i]) == first && HasPrefixFold(s[i:], sub) {
			return i
		}
	}
	return -1
}
