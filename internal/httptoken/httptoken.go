// Package httptoken checks RFC 9110 tokens (section 5.6.2): header field
// names, methods, media types and their parameter names, Forwarded keys.
package httptoken

import "strings"

// IsTokenByte reports whether c may appear in a token (tchar).
func IsTokenByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// IsToken reports whether s is a token: one or more tchars.
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !IsTokenByte(s[i]) {
			return false
		}
	}
	return true
}
