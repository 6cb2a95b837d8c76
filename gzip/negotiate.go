package gzip

import (
	"github.com/httpmw/httpmw/internal/ascii"
	"github.com/httpmw/httpmw/internal/httptoken"
)

// encoding is a content coding this package can produce.
type encoding uint8

const (
	identity encoding = iota // no coding: the body goes out as written
	encGzip
	encZstd
	numEncodings
)

// String is the coding's name in Content-Encoding.
func (e encoding) String() string {
	switch e {
	case encGzip:
		return Gzip
	case encZstd:
		return Zstd
	}
	return "identity"
}

// encodingByName maps a Config.Prefer entry to its encoding, identity
// for anything unknown.
func encodingByName(name string) encoding {
	switch {
	case ascii.EqualFold(name, Gzip):
		return encGzip
	case ascii.EqualFold(name, Zstd):
		return encZstd
	}
	return identity
}

// maxAcceptEncoding bounds the Accept-Encoding field lines read, in bytes.
// Browsers send about 30; anything past a kilobyte is an attack or a bug,
// answered with identity rather than parsed.
const maxAcceptEncoding = 1024

// weight values are thousandths: q=1 is 1000, q=0.5 is 500.
const (
	unlisted   = -1
	fullWeight = 1000
)

// negotiate picks the coding for a response from the request's
// Accept-Encoding field lines (RFC 9110, section 12.5.3), among the
// offered ones in the server's order of preference: the highest q-value
// wins, a tie goes to the earlier in offered, q=0 refuses, and "*" stands
// for every coding not listed by name. A missing, refusing, malformed or
// oversized field gives identity, never an error.
func negotiate(values []string, offered []encoding) encoding {
	weights, star, ok := parseAcceptEncoding(values)
	if !ok {
		return identity
	}
	best, bestWeight := identity, 0
	for _, e := range offered {
		w := weights[e]
		if w == unlisted {
			w = star
		}
		if w > bestWeight {
			best, bestWeight = e, w
		}
	}
	return best
}

// parseAcceptEncoding returns the weight of each coding this package
// knows (unlisted when absent) and of "*", or ok false when the field is
// malformed or too long. "x-gzip" counts as gzip (RFC 9110, 8.4.1.3); a
// coding listed twice keeps its first weight.
func parseAcceptEncoding(values []string) (weights [numEncodings]int, star int, ok bool) {
	for i := range weights {
		weights[i] = unlisted
	}
	star = unlisted
	total := 0
	for _, v := range values {
		total += len(v)
		if total > maxAcceptEncoding {
			return weights, unlisted, false
		}
		for v != "" {
			var item string
			item, v = cutByte(v, ',')
			name, params := cutByte(item, ';')
			name = trimOWS(name)
			if name == "" {
				if trimOWS(params) != "" {
					return weights, unlisted, false // a weight with no coding
				}
				continue // empty list elements are allowed
			}
			if !httptoken.IsToken(name) {
				return weights, unlisted, false
			}
			w := fullWeight
			if params != "" {
				if w, ok = parseWeight(params); !ok {
					return weights, unlisted, false
				}
			}
			var slot *int
			switch {
			case ascii.EqualFold(name, "gzip"), ascii.EqualFold(name, "x-gzip"):
				slot = &weights[encGzip]
			case ascii.EqualFold(name, "zstd"):
				slot = &weights[encZstd]
			case name == "*":
				slot = &star
			default:
				continue // identity, br, deflate...: not ours to pick
			}
			if *slot == unlisted {
				*slot = w
			}
		}
	}
	return weights, star, true
}

// parseWeight reads the parameters after a coding, "q=0.8" with optional
// whitespace, and returns the q-value in thousandths. Parameters other
// than q are skipped when well formed.
func parseWeight(params string) (int, bool) {
	w := fullWeight
	for params != "" {
		var p string
		p, params = cutByte(params, ';')
		p = trimOWS(p)
		if p == "" {
			continue
		}
		key, val := cutByte(p, '=')
		key, val = trimOWS(key), trimOWS(val)
		if !httptoken.IsToken(key) || val == "" {
			return 0, false
		}
		if !ascii.EqualFold(key, "q") {
			continue
		}
		q, ok := parseQValue(val)
		if !ok {
			return 0, false
		}
		w = q
	}
	return w, true
}

// parseQValue parses RFC 9110's qvalue: "0" or "1", optionally followed
// by a dot and up to three digits, never above 1.
func parseQValue(s string) (int, bool) {
	if s == "" || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	q := int(s[0]-'0') * 1000
	if len(s) == 1 {
		return q, true
	}
	frac := s[1:]
	if frac[0] != '.' || len(frac) > 4 {
		return 0, false
	}
	scale := 100
	for i := 1; i < len(frac); i++ {
		c := frac[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		q += int(c-'0') * scale
		scale /= 10
	}
	if q > fullWeight {
		return 0, false
	}
	return q, true
}

func cutByte(s string, sep byte) (before, after string) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
