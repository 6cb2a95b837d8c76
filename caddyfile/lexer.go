package caddyfile

import (
	"fmt"
	"os"
	"strings"
	"unicode"
)

// Position is where a token starts in a Caddyfile.
type Position struct {
	File string
	Line int // 1-based
	Col  int // 1-based, in bytes
}

// String is "file:line:col", with "Caddyfile" for an unnamed file.
func (p Position) String() string {
	name := p.File
	if name == "" {
		name = "Caddyfile"
	}
	return fmt.Sprintf("%s:%d:%d", name, p.Line, p.Col)
}

// token is one word of a Caddyfile. newline marks a token that starts a new
// line, which is how directives are told from their arguments.
type token struct {
	text    string
	pos     Position
	quoted  bool
	newline bool
	unset   string // the first {$VAR} in the token that was unset or empty
}

// lex splits a Caddyfile into tokens the way Caddy 0.7 did: words separated
// by white space; double quotes group words (with \" inside); '#' at the start
// of a word comments out the rest of the line; a backslash ending a line
// continues the line. {$VAR} is replaced by the environment variable VAR.
func lex(name string, src []byte, env func(string) string) ([]token, error) {
	if env == nil {
		env = os.Getenv
	}
	var (
		toks      []token
		line, col = 1, 0
		newline   = true
	)
	i := 0
	for i < len(src) {
		c := src[i]
		col++
		switch {
		case c == '\n':
			line, col, newline = line+1, 0, true
			i++
		case c == '\\' && i+1 < len(src) && (src[i+1] == '\n' || src[i+1] == '\r' && i+2 < len(src) && src[i+2] == '\n'):
			// line continuation: the next line belongs to this one
			if src[i+1] == '\r' {
				i++
			}
			i += 2
			line, col = line+1, 0
		case c < 0x80 && unicode.IsSpace(rune(c)):
			i++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '"':
			start := Position{name, line, col}
			var b strings.Builder
			i++
			closed := false
			for i < len(src) {
				c := src[i]
				if c == '\\' && i+1 < len(src) && src[i+1] == '"' {
					b.WriteByte('"')
					i += 2
					col += 2
					continue
				}
				i++
				col++
				if c == '"' {
					closed = true
					break
				}
				if c == '\n' {
					line, col = line+1, 0
				}
				b.WriteByte(c)
			}
			if !closed {
				return nil, &ParseError{Pos: start, Msg: "unterminated quoted string"}
			}
			text, unset, err := expandEnv(b.String(), start, env)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{text: text, pos: start, quoted: true, newline: newline, unset: unset})
			newline = false
		default:
			start := Position{name, line, col}
			j := i
			for j < len(src) && !(src[j] < 0x80 && unicode.IsSpace(rune(src[j]))) && src[j] != '"' {
				j++
			}
			if j == i { // unreachable: the cases above took every other byte
				j++
			}
			col += j - i - 1
			text, unset, err := expandEnv(string(src[i:j]), start, env)
			if err != nil {
				return nil, err
			}
			i = j
			toks = append(toks, token{text: text, pos: start, newline: newline, unset: unset})
			newline = false
		}
	}
	return toks, nil
}

// expandEnv replaces every {$NAME} in s with env(NAME). unset is the first
// NAME whose value was empty, for the caller to refuse where an empty
// value would change the meaning (a root of "" serves the working folder).
func expandEnv(s string, pos Position, env func(string) string) (text, unset string, err error) {
	if !strings.Contains(s, "{$") {
		return s, "", nil
	}
	var b strings.Builder
	for {
		open := strings.Index(s, "{$")
		if open < 0 {
			b.WriteString(s)
			return b.String(), unset, nil
		}
		end := strings.IndexByte(s[open:], '}')
		if end < 0 {
			return "", "", &ParseError{Pos: pos, Msg: fmt.Sprintf("unclosed environment placeholder in %q", s)}
		}
		name := s[open+2 : open+end]
		if name == "" {
			return "", "", &ParseError{Pos: pos, Msg: "empty environment placeholder {$}"}
		}
		v := env(name)
		if v == "" && unset == "" {
			unset = name
		}
		b.WriteString(s[:open])
		b.WriteString(v)
		s = s[open+end+1:]
	}
}
