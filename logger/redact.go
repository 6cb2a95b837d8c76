package logger

import (
	"net/url"
	"strings"
)

// redactor rewrites query strings with some parameter values hidden.
type redactor struct {
	names []string // exact parameter names
	all   bool     // "*": every value
}

func newRedactor(names []string) redactor {
	var r redactor
	for _, n := range names {
		if n == "*" {
			r.all = true
			continue
		}
		r.names = append(r.names, n)
	}
	return r
}

func (r *redactor) active() bool { return r.all || len(r.names) > 0 }

// appendQuery appends the raw query q with the values of matching
// parameters replaced by REDACTED, escaped for a text log when escape is
// set (slog handlers quote values themselves).
func (r *redactor) appendQuery(b []byte, q string, escape bool) []byte {
	add := func(b []byte, s string) []byte {
		if escape {
			return appendEscaped(b, s)
		}
		return append(b, s...)
	}
	if !r.active() {
		return add(b, q)
	}
	for {
		pair, rest, more := strings.Cut(q, "&")
		key, _, hasValue := strings.Cut(pair, "=")
		if hasValue && r.hides(key) {
			b = add(b, key)
			b = append(b, "=REDACTED"...)
		} else {
			b = add(b, pair)
		}
		if !more {
			return b
		}
		b = append(b, '&')
		q = rest
	}
}

// hides reports whether the value of parameter key (raw, as sent) is hidden.
func (r *redactor) hides(key string) bool {
	if r.all {
		return true
	}
	for _, n := range r.names {
		if key == n {
			return true
		}
	}
	if strings.ContainsAny(key, "%+") {
		// Rare, so the allocation of unescaping is fine: "pass%77ord" must
		// not slip past a rule for "password".
		if k, err := url.QueryUnescape(key); err == nil {
			for _, n := range r.names {
				if k == n {
					return true
				}
			}
		}
	}
	return false
}
