package rewrite

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/cfgerr"
)

func invalid(field, format string, args ...any) error {
	return cfgerr.New("rewrite", "Config."+field, format, args...)
}

// Config lists the rewrite rules. Its zero value rewrites nothing.
type Config struct {
	// Rules are tried in order; the first that matches rewrites the
	// request and ends the search. (Caddy 0.7 tried its simple rules
	// before its regexp rules; the caddyfile package orders them so.)
	Rules []Rule
}

// Rule is one rewrite: either a simple rule (From set), or a regexp rule
// (Regexp set, with Base and Ext to narrow it).
type Rule struct {
	// From makes a simple rule (Caddy's "rewrite from to"): the decoded
	// request path must equal From exactly.
	From string

	// Base is the path a regexp rule applies under, matched on whole
	// segments as httpmw.Path does. "" means "/", every path.
	Base string

	// Regexp makes a regexp rule (Caddy's "r"): RE2 syntax, matched
	// against the cleaned request path with Base cut off (the part from
	// the slash that follows Base; the whole path when Base is "/").
	// Unanchored, as in Caddy: use ^ and $ to anchor.
	Regexp string

	// Ext narrows a regexp rule to paths with these extensions (".html";
	// "/" stands for no extension), or, prefixed with "!", away from them
	// ("!.php", "!/"). With any positive entry, a path must have one of
	// them. nil means any path.
	Ext []string

	// To is the path the request is rewritten to, with an optional query
	// after "?". Placeholders take their value from the request before
	// the rewrite: {path} (the decoded path), {query} (the raw query),
	// {file} and {dir} (the path's last segment and what precedes it),
	// {ext} (the extension of {file}, with its dot), {uri} (path and
	// query), and {0}-{9} (the regexp's match and groups). In the query
	// part, values taken from the path are query-escaped.
	//
	// The new path is cleaned (path.Clean, rooted; a trailing slash is
	// kept), so it never leaves the site whatever the request holds. A
	// new query that is not empty replaces the request's; an empty one
	// keeps it, as in Caddy 0.7 (write "?{query}&more" to merge).
	To string
}

// rule is a validated Rule.
type rule struct {
	from string         // simple rule when re is nil
	base httpmw.Path    // regexp rules only
	re   *regexp.Regexp // nil for a simple rule
	exts []string
	to   template
}

func (c Config) rules() ([]rule, error) {
	out := make([]rule, 0, len(c.Rules))
	for i, r := range c.Rules {
		field := fmt.Sprintf("Rules[%d].", i)
		var rl rule
		switch {
		case r.From != "" && r.Regexp != "":
			return nil, invalid(field+"From", "a rule is simple (From) or regexp (Regexp), not both")
		case r.From != "":
			if !strings.HasPrefix(r.From, "/") {
				return nil, invalid(field+"From", "%q: must start with /", r.From)
			}
			if r.Base != "" || r.Ext != nil {
				return nil, invalid(field+"From", "Base and Ext apply to regexp rules only")
			}
			rl.from = r.From
		case r.Regexp != "":
			re, err := regexp.Compile(r.Regexp)
			if err != nil {
				return nil, invalid(field+"Regexp", "%v", err)
			}
			rl.re = re
			base := r.Base
			if base == "" {
				base = "/"
			}
			if !strings.HasPrefix(base, "/") {
				return nil, invalid(field+"Base", "%q: must start with /", r.Base)
			}
			rl.base = httpmw.Path{Base: base}
			for _, e := range r.Ext {
				v := strings.TrimPrefix(e, "!")
				if v != "/" && (len(v) < 2 || v[0] != '.' || strings.Contains(v, "/")) {
					return nil, invalid(field+"Ext", `%q: want an extension such as ".html", or "/" for none, optionally after "!"`, e)
				}
			}
			rl.exts = r.Ext
		default:
			return nil, invalid(field+"From", "a rule needs From (simple) or Regexp")
		}
		if r.To == "" {
			return nil, invalid(field+"To", "must not be empty")
		}
		groups := 0
		if rl.re != nil {
			groups = rl.re.NumSubexp()
		}
		t, err := parseTemplate(r.To, groups)
		if err != nil {
			return nil, invalid(field+"To", "%v", err)
		}
		rl.to = t
		out = append(out, rl)
	}
	return out, nil
}
