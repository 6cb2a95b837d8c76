package rewrite

import (
	"net/http"
	"path"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/urlpath"
)

// Rewrites rewrites request paths before the handlers below it see them.
// It is safe for concurrent use; make one with New.
type Rewrites struct {
	rules []rule
}

// New validates c and returns Rewrites, or a *httpmw.ConfigError naming the
// first bad field.
func New(c Config) (*Rewrites, error) {
	rules, err := c.rules()
	if err != nil {
		return nil, err
	}
	return &Rewrites{rules: rules}, nil
}

// Middleware hands next the request rewritten by the first matching rule,
// or the request as it is when none matches.
//
// A rewritten request is a copy: the handlers above keep the original,
// so a logger outside sees the path the client asked for, and
// Request.RequestURI (the logger's {uri}, FastCGI's REQUEST_URI) stays
// what the client sent on the copy too.
func (rw *Rewrites) Middleware(next httpmw.Handler) httpmw.Handler {
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		if p, q, ok := rw.rewrite(r); ok {
			r2 := new(http.Request)
			*r2 = *r
			u := *r.URL
			u.Path, u.RawPath = p, ""
			if q != "" {
				u.RawQuery = q
			}
			r2.URL = &u
			r = r2
		}
		return next.ServeHTTP(w, r)
	})
}

// rewrite returns the new path and query for r, ok false when no rule
// matches.
func (rw *Rewrites) rewrite(r *http.Request) (newPath, newQuery string, ok bool) {
	// Rules see the cleaned path: what they match and what they copy into
	// To has no dot segments, so "/x/../../etc" cannot ride a {path}.
	p := urlpath.Clean(r.URL.Path)
	for i := range rw.rules {
		rl := &rw.rules[i]
		if rl.re == nil {
			if p == rl.from {
				newPath, newQuery = rl.to.expand(p, r.URL.RawQuery, "", nil)
				return newPath, newQuery, true
			}
			continue
		}
		if newPath, newQuery, ok = rl.apply(p, r.URL.RawQuery); ok {
			return newPath, newQuery, true
		}
	}
	return "", "", false
}

// apply runs a regexp rule on the cleaned path p and raw query q.
func (rl *rule) apply(p, q string) (newPath, newQuery string, ok bool) {
	if !rl.base.Matches(p) || !matchExt(rl.exts, p) {
		return "", "", false
	}
	base := urlpath.Clean(rl.base.Base)
	rel := p
	if base != "/" {
		rel = p[len(base):] // Matches held, and p is clean: p starts with base
	}
	match := rl.re.FindStringSubmatchIndex(rel)
	if match == nil {
		return "", "", false
	}
	newPath, newQuery = rl.to.expand(p, q, rel, match)
	return newPath, newQuery, true
}

// matchExt applies a rule's Ext list to p as Caddy 0.7 did: the first
// entry naming p's extension ("/" for none) decides; failing that, p
// passes unless the list has a positive entry.
func matchExt(exts []string, p string) bool {
	if len(exts) == 0 {
		return true
	}
	_, file := path.Split(p)
	ext := path.Ext(file)
	if ext == "" {
		ext = "/"
	}
	positive := false
	for _, v := range exts {
		use := true
		if v[0] == '!' {
			use, v = false, v[1:]
		}
		positive = positive || use
		if ext == v {
			return use
		}
	}
	return !positive
}
