package redir

import (
	"fmt"
	"net/http"
	"strings"
)

// part of a template: a literal, or a placeholder when fn is set.
type part struct {
	lit string
	fn  func(r *http.Request) string
}

type template []part

var placeholders = map[string]func(r *http.Request) string{
	"{uri}":    func(r *http.Request) string { return rooted(r.URL.RequestURI()) },
	"{path}":   func(r *http.Request) string { return rooted(r.URL.EscapedPath()) },
	"{query}":  func(r *http.Request) string { return r.URL.RawQuery },
	"{host}":   func(r *http.Request) string { return r.Host },
	"{scheme}": scheme,
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// rooted keeps {path} and {uri} starting with "/" even for "OPTIONS *",
// so "https://example.com{path}" cannot run into the host.
func rooted(p string) string {
	if strings.HasPrefix(p, "/") {
		return p
	}
	return "/" + p
}

func parseTemplate(s string) (template, error) {
	var t template
	for s != "" {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			t = append(t, part{lit: s})
			break
		}
		if i > 0 {
			t = append(t, part{lit: s[:i]})
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("unclosed placeholder %q", s[i:])
		}
		name := s[i : i+j+1]
		fn, ok := placeholders[name]
		if !ok {
			return nil, fmt.Errorf("unknown placeholder %q", name)
		}
		t = append(t, part{fn: fn})
		s = s[i+j+1:]
	}
	return t, nil
}

func (t template) expand(r *http.Request) string {
	if len(t) == 1 && t[0].fn == nil {
		return t[0].lit
	}
	var b strings.Builder
	for _, p := range t {
		if p.fn != nil {
			b.WriteString(p.fn(r))
		} else {
			b.WriteString(p.lit)
		}
	}
	return b.String()
}

// namesHost reports whether the To a config wrote chooses the host itself:
// it opens with a scheme ("https:", or the {scheme} placeholder) or with
// "//". Only then may the Location leave the requested host.
func namesHost(to string) bool {
	if strings.HasPrefix(to, "//") || strings.HasPrefix(to, "{scheme}:") {
		return true
	}
	for i := 0; i < len(to); i++ {
		c := to[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return true
		default:
			return false
		}
	}
	return false
}

// local makes an expanded To that the config did not give a host stay on
// the requested host. Browsers drop tabs and newlines, skip leading
// controls and spaces, and read a backslash as "/", so a leading "//", "/\" or
// "/\t/" starts another host; a first segment with a colon reads as a
// scheme. Request data must be able to produce neither: a leading run of
// those bytes becomes one "/", and a colon segment gets "./" before it.
func local(to string) string {
	i := 0
	for i < len(to) && (to[i] == '/' || to[i] == '\\' || to[i] <= ' ' || to[i] == 0x7f) {
		i++
	}
	if i > 0 {
		return "/" + to[i:]
	}
	seg := to
	if j := strings.IndexAny(seg, "/\\?#"); j >= 0 {
		seg = seg[:j]
	}
	if strings.IndexByte(seg, ':') >= 0 {
		return "./" + to
	}
	return to
}
