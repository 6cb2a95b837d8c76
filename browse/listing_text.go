package browse

import "strconv"

// writeText writes one name per line, folders with a trailing "/" as
// "ls -p" does. A name holding a control character or a quote is written
// Go-quoted, so every line is one entry.
func (l *listing) writeText(c *chunkWriter) {
	for i := range l.entries {
		e := &l.entries[i]
		if needsQuote(e.name) {
			c.buf = strconv.AppendQuote(c.buf, e.name)
		} else {
			c.buf = append(c.buf, e.name...)
		}
		if e.isDir() {
			c.buf = append(c.buf, '/')
		}
		c.buf = append(c.buf, '\n')
		c.spill()
	}
}

func needsQuote(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f || s[i] == '"' {
			return true
		}
	}
	return false
}
