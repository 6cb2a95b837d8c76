package rewrite

import (
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/httpmw/httpmw/internal/urlpath"
)

// placeholder kinds; literal text has kind 0.
const (
	phLiteral = iota
	phPath
	phQuery
	phFile
	phDir
	phExt
	phURI
	phGroup
)

var placeholders = map[string]int{
	"path": phPath, "query": phQuery, "file": phFile, "dir": phDir, "ext": phExt, "uri": phURI,
}

// piece is literal text or one placeholder of a To template.
type piece struct {
	kind  int
	text  string // literal text
	group int    // phGroup: 0 for the whole match, 1-9 for a group
}

// template is a parsed To.
type template []piece

// parseTemplate splits to into literal text and placeholders. A "{" that
// does not open a known placeholder is an error, so that a typo is found
// at start-up rather than sent as a path.
func parseTemplate(to string, groups int) (template, error) {
	var t template
	for to != "" {
		i := strings.IndexByte(to, '{')
		if i < 0 {
			t = append(t, piece{text: to})
			break
		}
		if i > 0 {
			t = append(t, piece{text: to[:i]})
		}
		j := strings.IndexByte(to[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("%q: unclosed {", to)
		}
		name := to[i+1 : i+j]
		to = to[i+j+1:]
		if k, ok := placeholders[name]; ok {
			t = append(t, piece{kind: k})
			continue
		}
		if len(name) == 1 && '0' <= name[0] && name[0] <= '9' {
			n := int(name[0] - '0')
			if n > groups {
				if groups == 0 {
					return nil, fmt.Errorf("{%s}: only a regexp rule has groups", name)
				}
				return nil, fmt.Errorf("{%s}: the regexp has %d group(s)", name, groups)
			}
			t = append(t, piece{kind: phGroup, group: n})
			continue
		}
		return nil, fmt.Errorf("{%s}: unknown placeholder; want {path}, {query}, {file}, {dir}, {ext}, {uri} or {0}-{9}", name)
	}
	return t, nil
}

// expand fills in t for a request with path p and raw query q; match
// holds the regexp's submatches of rel (nil for a simple rule). It
// returns the new path, cleaned and rooted, and the new query, "" when
// the template makes none.
func (t template) expand(p, q, rel string, match []int) (newPath, newQuery string) {
	pb := make([]byte, 0, 64)
	var qb []byte
	inQuery := false
	add := func(s string, fromPath bool) {
		if inQuery {
			if fromPath {
				qb = append(qb, url.QueryEscape(s)...)
			} else {
				qb = append(qb, s...)
			}
			return
		}
		pb = append(pb, s...)
	}
	for _, pc := range t {
		switch pc.kind {
		case phLiteral:
			s := pc.text
			if !inQuery {
				if before, after, ok := strings.Cut(s, "?"); ok {
					pb = append(pb, before...)
					inQuery = true
					s = after
				}
			}
			add(s, false)
		case phPath:
			add(p, true)
		case phQuery:
			add(q, false)
		case phFile:
			_, file := path.Split(p)
			add(file, true)
		case phDir:
			dir, _ := path.Split(p)
			add(dir, true)
		case phExt:
			_, file := path.Split(p)
			add(path.Ext(file), true)
		case phURI:
			if inQuery {
				u := url.URL{Path: p, RawQuery: q}
				add(u.RequestURI(), true)
				break
			}
			pb = append(pb, p...)
			if q != "" {
				inQuery = true
				qb = append(qb, q...)
			}
		case phGroup:
			if lo, hi := 2*pc.group, 2*pc.group+1; hi < len(match) && match[lo] >= 0 {
				add(rel[match[lo]:match[hi]], true)
			}
		}
	}
	return urlpath.Clean(string(pb)), string(qb)
}
