package redir

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/httpmw/httpmw/internal/cfgerr"
)

func invalid(field, format string, args ...any) error {
	return cfgerr.New("redir", "Config."+field, format, args...)
}

// Config lists the redirects. Its zero value redirects nothing.
type Config struct {
	// Rules are tried in order; the first whose From matches redirects.
	Rules []Rule
}

// Rule is one redirect.
type Rule struct {
	// From is the request path redirected, compared exactly with the
	// decoded path (as Caddy 0.7 did): "/old" matches "/old" only, not
	// "/old/" or "/old/x". "/" or "" matches every request.
	From string

	// To is the Location sent, with placeholders replaced from the
	// request: {uri} (escaped path and query), {path} (escaped path),
	// {query} (raw query, without "?"), {host} (Host header) and
	// {scheme} ("http" or "https"). A To that starts with a scheme
	// ("https://") or "//" names its host itself; any other To stays on
	// the requested host whatever the request holds (see the package doc).
	To string

	// Code is the status sent: 301 (the default when 0), 302, 303, 307,
	// 308 or 300.
	Code int
}

// rule is a validated Rule.
type rule struct {
	from   string
	all    bool
	to     template
	code   int
	hasURL bool // To names its own scheme or host
}

var codes = map[int]bool{
	http.StatusMultipleChoices: true, http.StatusMovedPermanently: true, http.StatusFound: true,
	http.StatusSeeOther: true, http.StatusTemporaryRedirect: true, http.StatusPermanentRedirect: true,
}

func (c Config) rules() ([]rule, error) {
	var out []rule
	seen := map[string]bool{}
	for i, r := range c.Rules {
		field := func(name string) string { return fmt.Sprintf("Rules[%d].%s", i, name) }
		from := r.From
		if from == "" {
			from = "/"
		}
		if !strings.HasPrefix(from, "/") {
			return nil, invalid(field("From"), "%q: must start with /", r.From)
		}
		if seen[from] {
			return nil, invalid(field("From"), "%q: already redirected by an earlier rule", r.From)
		}
		seen[from] = true
		if r.To == "" {
			return nil, invalid(field("To"), "must not be empty")
		}
		if r.To == from {
			return nil, invalid(field("To"), "%q: same as From, a redirect loop", r.To)
		}
		if !validValue(r.To) {
			return nil, invalid(field("To"), "must not hold control characters or spaces")
		}
		tpl, err := parseTemplate(r.To)
		if err != nil {
			return nil, invalid(field("To"), "%v", err)
		}
		code := r.Code
		if code == 0 {
			code = http.StatusMovedPermanently
		}
		if !codes[code] {
			return nil, invalid(field("Code"), "%d is not a redirect status (want 301, 302, 303, 307, 308 or 300)", r.Code)
		}
		out = append(out, rule{from: from, all: from == "/", to: tpl, code: code, hasURL: namesHost(r.To)})
	}
	return out, nil
}

func validValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}
