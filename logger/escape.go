package logger

// hexDigits spells the \xhh escapes.
const hexDigits = "0123456789abcdef"

// appendEscaped appends s the way Apache's ap_escape_logitem does, so text
// log parsers read it back: `"` and `\` get a backslash, \n \r \t \b \v \f
// their C escapes, and every other byte outside printable ASCII (control
// characters, DEL, and bytes >= 0x80) becomes \xhh. A logged value can then
// neither end its field, forge a line, nor reach a terminal as an escape
// sequence (ESC and the 8-bit CSI both come out as text).
func appendEscaped[T string | []byte](b []byte, s T) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !mustEscape[c] {
			continue
		}
		b = append(b, s[start:i]...)
		start = i + 1
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\v':
			b = append(b, '\\', 'v')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		}
	}
	return append(b, s[start:]...)
}

// mustEscape marks the bytes appendEscaped rewrites; one table load per
// byte is the cheapest test on the hot path.
var mustEscape = func() (t [256]bool) {
	for c := range t {
		t[c] = c < 0x20 || c >= 0x7f || c == '"' || c == '\\'
	}
	return t
}()

// appendField appends s escaped, or "-" when it is empty, as Apache does
// for a missing value.
func appendField(b []byte, s string) []byte {
	if s == "" {
		return append(b, '-')
	}
	return appendEscaped(b, s)
}

// appendWord is appendEscaped for the unquoted fields of a CLF line (the
// user, a peer that is no IP address): a space or a bracket there would
// shift every field after it for a parser, so those become \xhh as well.
func appendWord[T string | []byte](b []byte, s T) []byte {
	if len(s) == 0 {
		return append(b, '-')
	}
	start := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ' ' || c == '[' || c == ']' {
			b = appendEscaped(b, s[start:i])
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
			start = i + 1
		}
	}
	return appendEscaped(b, s[start:])
}
