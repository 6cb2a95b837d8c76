package inspect

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"

	"github.com/httpmw/httpmw/internal/cfgerr"
	"github.com/httpmw/httpmw/internal/httptoken"
)

// Config configures an Inspector. Its zero value records the last 500
// exchanges in at most 32 MiB, 64 KiB per body, redacts credentials, serves
// the UI to loopback peers only, and has replay turned off (no Target).
type Config struct {
	// MaxEntries is how many exchanges are kept; the oldest go first.
	// 0 means 500.
	MaxEntries int

	// MaxBytes bounds the memory the kept exchanges use (bodies, headers,
	// URLs). 0 means 32 MiB. Exchanges in flight hold at most
	// 2*MaxBodyBytes each on top of it.
	MaxBytes int64

	// MaxBodyBytes is how much of each request and response body is kept;
	// the rest still flows but is not recorded. 0 means 64 KiB. It must not
	// exceed MaxBytes/4.
	MaxBodyBytes int

	// KeepSecrets records Authorization, Proxy-Authorization, Cookie and
	// Set-Cookie values as sent. false (the default) shows them as
	// "[redacted]"; replay still sends the original values.
	KeepSecrets bool

	// RedactHeaders names more headers to redact, beside the four above.
	RedactHeaders []string

	// Target is the base URL of the local app that Replay sends requests
	// to, such as "http://127.0.0.1:8080". Replay never goes anywhere else:
	// the recorded Host and URL only give the path and query. "" turns
	// replay off.
	Target string

	// Transport sends replayed requests. nil means a private
	// http.Transport, closed by Close.
	Transport http.RoundTripper

	// AllowRemote serves the UI and its API to any peer. false (the
	// default) answers 403 to peers that are not loopback addresses and to
	// Host names that are not loopback (DNS rebinding).
	AllowRemote bool
}

// Defaults used for zero Config fields.
const (
	DefaultMaxEntries   = 500
	DefaultMaxBytes     = 32 << 20
	DefaultMaxBodyBytes = 64 << 10
)

// ErrReplayOff is returned by Replay when Config.Target is empty.
var ErrReplayOff = errors.New("inspect: replay is off (no Config.Target)")

// ErrNotFound is returned by Replay for an exchange that is not (or no
// longer) kept.
var ErrNotFound = errors.New("inspect: no such exchange")

// ErrTruncatedBody is returned by Replay when the recorded request body was
// cut at MaxBodyBytes and no replacement body was given: sending the cut
// body would not be the same request.
var ErrTruncatedBody = errors.New("inspect: recorded request body was truncated; give a body to replay it")

// ErrBadEdit is wrapped by Replay errors caused by an invalid edit (method,
// path or header).
var ErrBadEdit = errors.New("inspect: invalid replay edit")

// settings are a validated Config with defaults filled in.
type settings struct {
	maxEntries int
	maxBytes   int64
	maxBody    int
	redact     map[string]bool // canonical header names
	target     *url.URL
	transport  http.RoundTripper
	ownsTr     *http.Transport
	remote     bool
}

// validate checks every field without touching the system; the error
// names the first bad one.
func (c Config) validate() error {
	if c.MaxEntries < 0 {
		return cfgerr.New("inspect", "Config.MaxEntries", "must be >= 0, got %d", c.MaxEntries)
	}
	if c.MaxBytes < 0 {
		return cfgerr.New("inspect", "Config.MaxBytes", "must be >= 0, got %d", c.MaxBytes)
	}
	if maxBytes := cmp.Or(c.MaxBytes, DefaultMaxBytes); c.MaxBodyBytes < 0 || int64(c.MaxBodyBytes) > maxBytes/4 {
		return cfgerr.New("inspect", "Config.MaxBodyBytes", "must be 0-%d (MaxBytes/4), got %d", maxBytes/4, c.MaxBodyBytes)
	}
	for i, h := range c.RedactHeaders {
		if !httptoken.IsToken(h) {
			return cfgerr.New("inspect", fmt.Sprintf("Config.RedactHeaders[%d]", i), "%q is not a header name", h)
		}
	}
	_, err := c.target()
	return err
}

// target parses Config.Target; nil means replay is off.
func (c Config) target() (*url.URL, error) {
	if c.Target == "" {
		return nil, nil
	}
	u, err := url.Parse(c.Target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, cfgerr.New("inspect", "Config.Target", "want a base URL such as http://127.0.0.1:8080, got %q", c.Target)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return nil, cfgerr.New("inspect", "Config.Target", "must be scheme://host[:port] only, got %q", c.Target)
	}
	u.Path, u.RawPath = "", ""
	return u, nil
}

// settings resolves a valid Config's zero fields to their defaults.
func (c Config) settings() *settings {
	s := &settings{
		maxEntries: cmp.Or(c.MaxEntries, DefaultMaxEntries),
		maxBytes:   cmp.Or(c.MaxBytes, DefaultMaxBytes),
		maxBody:    c.MaxBodyBytes,
		remote:     c.AllowRemote,
	}
	if s.maxBody == 0 {
		s.maxBody = min(DefaultMaxBodyBytes, int(s.maxBytes/4))
	}
	if !c.KeepSecrets || len(c.RedactHeaders) > 0 {
		s.redact = map[string]bool{}
	}
	if !c.KeepSecrets {
		for _, h := range []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"} {
			s.redact[h] = true
		}
	}
	for _, h := range c.RedactHeaders {
		s.redact[textproto.CanonicalMIMEHeaderKey(h)] = true
	}
	s.target, _ = c.target()
	s.transport = c.Transport
	if s.transport == nil && s.target != nil {
		s.ownsTr = &http.Transport{
			Proxy:               nil, // the local app, never through a proxy
			MaxIdleConnsPerHost: 4,
			DisableCompression:  true, // show the body the app sent
		}
		s.transport = s.ownsTr
	}
	return s
}
