package inner

import (
	"net/textproto"
	"strings"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/cfgerr"
	"github.com/httpmw/httpmw/internal/httptoken"
)

// Defaults used when a Config field is left at its zero value.
const (
	// DefaultHeader is the response header a backend names the internal
	// path in, as nginx and Caddy 0.7 read it.
	DefaultHeader = "X-Accel-Redirect"
	// DefaultMaxRedirects is Caddy 0.7's bound on internal redirects for
	// one request; one more answers 500.
	DefaultMaxRedirects = 10
)

func invalid(field, format string, args ...any) error {
	return cfgerr.New("inner", "Config."+field, format, args...)
}

// Config says which paths are internal and how a backend redirects to
// them. Its zero value hides no path and follows X-Accel-Redirect up to
// 10 times per request.
type Config struct {
	// Paths are the internal paths, matched on whole segments as
	// httpmw.Path does ("/internal" covers "/internal/a.zip", not
	// "/internalx"): a client asking for one gets 404, while an internal
	// redirect reaches it (Caddy's "internal /internal").
	Paths []string

	// Header is the response header a backend sets to an absolute path
	// ("/internal/report.pdf", with an optional "?query") to have that
	// path served in place of its own response. "" means DefaultHeader.
	Header string

	// MaxRedirects bounds the internal redirects of one request: one more
	// is taken for a loop and answered with 500. 0 means
	// DefaultMaxRedirects.
	MaxRedirects int
}

type settings struct {
	paths  []httpmw.Path
	header string
	max    int
}

func (c Config) settings() (*settings, error) {
	s := &settings{header: c.Header, max: c.MaxRedirects}
	for _, p := range c.Paths {
		if !strings.HasPrefix(p, "/") {
			return nil, invalid("Paths", "%q: must start with /", p)
		}
		s.paths = append(s.paths, httpmw.Path{Base: p})
	}
	if s.header == "" {
		s.header = DefaultHeader
	}
	if !httptoken.IsToken(s.header) {
		return nil, invalid("Header", "%q: not a header name", c.Header)
	}
	s.header = textproto.CanonicalMIMEHeaderKey(s.header)
	if s.max == 0 {
		s.max = DefaultMaxRedirects
	}
	if s.max < 0 {
		return nil, invalid("MaxRedirects", "must not be negative, got %d", c.MaxRedirects)
	}
	return s, nil
}
