package browse

import (
	"strconv"
	"unicode/utf8"
)

// escapeSegment percent-encodes a file name for use as one relative URL
// path segment. Only unreserved characters stay as they are, so a name
// such as "a:b", "?x" or "#y" cannot turn into a scheme, query or fragment.
func escapeSegment(s string) string {
	if !needsEscape(s) {
		return s
	}
	return string(appendSegment(make([]byte, 0, len(s)+16), s))
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			return true
		}
	}
	return false
}

// unreserved reports whether c may stand as itself in a path segment:
// one bit per ASCII character, in two words.
func unreserved(c byte) bool {
	const (
		lo uint64 = 1<<'-' | 1<<'.' | (1<<10-1)<<'0'
		hi uint64 = (1<<26-1)<<('A'-64) | 1<<('_'-64) | (1<<26-1)<<('a'-64) | 1<<('~'-64)
	)
	switch {
	case c < 64:
		return lo>>c&1 != 0
	case c < 128:
		return hi>>(c-64)&1 != 0
	}
	return false
}

const hexDigits = "0123456789ABCDEF"

func appendSegment(b []byte, s string) []byte {
	// Most names need no escape, or only late: copy the clean run at once.
	i := 0
	for i < len(s) && unreserved(s[i]) {
		i++
	}
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return b
}

// appendHTML appends s escaped for HTML text and quoted attribute values.
func appendHTML(b []byte, s string) []byte {
	// The five characters to escape are all below 64: one bit each.
	const special uint64 = 1<<'<' | 1<<'>' | 1<<'&' | 1<<'"' | 1<<'\''
	start := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 64 || special>>c&1 == 0 {
			continue
		}
		var esc string
		switch s[i] {
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '&':
			esc = "&amp;"
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		default:
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, esc...)
		start = i + 1
	}
	return append(b, s[start:]...)
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as encoding/json does; "<", ">" and "&" are escaped too, so the
// output is safe to embed in HTML.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, `\u202`...)
			b = append(b, hexDigits[r&15])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// appendHumanSize appends n bytes as people read sizes: "512 B", "1.5 KiB",
// "23 MiB"; one decimal below 10 units, rounded to nearest.
func appendHumanSize(b []byte, n int64) []byte {
	if n < 1024 {
		b = strconv.AppendInt(b, n, 10)
		return append(b, " B"...)
	}
	const units = "KMGTPE"
	u, div := 0, int64(1024)
	for n/div >= 1024 && u < len(units)-1 {
		div *= 1024
		u++
	}
	// Tenths of the unit, rounded half up (div is a power of two, so
	// div/2 is exact); in unsigned arithmetic, where 10*div cannot overflow.
	tenths := n/div*10 + int64((uint64(n%div)*10+uint64(div)/2)/uint64(div))
	if tenths < 100 {
		b = strconv.AppendInt(b, tenths/10, 10)
		b = append(b, '.', byte('0'+tenths%10))
	} else {
		b = strconv.AppendInt(b, (tenths+5)/10, 10)
	}
	return append(b, ' ', units[u], 'i', 'B')
}

// humanSize is appendHumanSize as a string.
func humanSize(n int64) string { return string(appendHumanSize(nil, n)) }
