package logger

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/textproto"
	"os"
	"strings"
	"time"

	"github.com/httpmw/httpmw"
)

// Named formats, usable as the whole Config.Format or inside a longer one
// ("{combined} {latency_ms}").
const (
	// Common is the Common Log Format, as Apache writes it with
	// `%h %l %u %t "%r" %>s %b`.
	Common = "{common}"
	// Combined is Common followed by the quoted Referer and User-Agent,
	// Apache's `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"`.
	Combined = "{combined}"
)

// Config describes an access log. Its zero value writes the Common Log Format
// for every request to standard output, synchronously, using RemoteAddr as
// the client address.
type Config struct {
	// Format is a line template of placeholders, such as
	// `{remote} {method} {uri} {status} {latency_ms}`, or one of the named
	// formats Common and Combined. "" means Common. Placeholders are listed
	// in the package documentation; an unknown one makes New fail.
	Format string

	// Slog, when set, receives one structured record per request (request,
	// response and duration groups) instead of a text line. It excludes
	// Format, Output, File, Rotate, Async and ReopenOn.
	Slog *slog.Logger

	// Output receives whole lines only: one Write per line, or with Async
	// several whole lines per Write when they queue up. It is not closed by
	// Close. nil means File, or standard output when File is empty too.
	Output io.Writer

	// File is where lines go when Output is nil: "stdout", "stderr", or a
	// file path, opened for appending and created with mode 0640.
	File string

	// Rotate rotates File by size and prunes old copies by age and count.
	// The zero value never rotates (leave that to logrotate and ReopenOn).
	Rotate Rotation

	// ReopenOn is a signal, usually syscall.SIGHUP, that makes the logger
	// close and reopen File, as logrotate's postrotate scripts expect. The
	// signal is watched until Close. nil means no signal handling.
	ReopenOn os.Signal

	// Async hands lines to one writer goroutine through a queue of
	// QueueSize lines, so a slow disk never holds a request; lines that
	// queued up are joined into one Write. A line that finds the queue full
	// is dropped and counted (see Logger.Dropped). false writes each line,
	// in one Write, before the request returns.
	Async bool

	// QueueSize bounds the Async queue, in lines. 0 means 4096.
	QueueSize int

	// Path limits logging to requests under a base path, matched as
	// httpmw.Path does. The zero value logs every path.
	Path httpmw.Path

	// Except lists base paths never logged, such as "/healthz"; each
	// matches the path and everything below it.
	Except []string

	// TrustedProxies lists the peers, as CIDRs or single addresses, whose
	// ClientIPHeader is believed. Empty means the client address is always
	// the peer's (RemoteAddr) and no header is read.
	TrustedProxies []string

	// ClientIPHeader is the header a trusted proxy sets with the client
	// address: "X-Forwarded-For", "X-Real-IP" or "Forwarded" (RFC 7239).
	// Only that header is read, because a proxy passes the others through
	// from the client untouched. "" means X-Forwarded-For.
	ClientIPHeader string

	// RedactQuery lists query parameter names whose values are written as
	// "REDACTED" wherever the URI or query is logged; "*" redacts every
	// value. Names are matched exactly, after unescaping.
	RedactQuery []string

	// Now is the clock. nil means time.Now.
	Now func() time.Time

	// OnError receives errors from writing, rotating and reopening the
	// output. nil logs the first error of each run of failures with
	// slog.Default(), so a full disk does not flood the error log.
	OnError func(error)
}

// Rotation is a size-based rotation policy for a log file. A rotated file
// keeps the base name with a timestamp inserted before the extension:
// access.log becomes access-2006-01-02T15-04-05.000.log.
type Rotation struct {
	// MaxSize is the size in bytes a file may reach before it is rotated.
	// 0 means never rotate.
	MaxSize int64
	// MaxAge removes rotated files older than this. 0 keeps them by age.
	MaxAge time.Duration
	// MaxBackups is how many rotated files to keep. 0 keeps them all.
	MaxBackups int
}

// Errors New returns; wrapped with the field's name, so test with errors.Is.
var (
	// ErrUnknownPlaceholder means Config.Format names a placeholder that
	// does not exist.
	ErrUnknownPlaceholder = errors.New("unknown placeholder")
	// ErrBadFormat means Config.Format is malformed (an unclosed brace, a
	// control character).
	ErrBadFormat = errors.New("malformed format")
	// ErrConflict means two fields that exclude each other are both set.
	ErrConflict = errors.New("conflicting fields")
)

// ErrClosed is returned by Logger.Reopen after Close.
var ErrClosed = errors.New("logger: closed")

const defaultQueueSize = 4096

func fieldErr(field string, format string, args ...any) error {
	return fmt.Errorf("logger: Config.%s: "+format, append([]any{field}, args...)...)
}

// validate checks the fields that need no resources and returns the parsed
// trusted-proxy list.
func (c *Config) validate() ([]netip.Prefix, error) {
	if c.Slog != nil {
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"Format", c.Format != ""}, {"Output", c.Output != nil}, {"File", c.File != ""},
			{"Rotate", c.Rotate != Rotation{}}, {"Async", c.Async}, {"ReopenOn", c.ReopenOn != nil},
		} {
			if f.set {
				return nil, fieldErr(f.name, "%w: cannot be used with Config.Slog", ErrConflict)
			}
		}
	}
	if c.Output != nil && c.File != "" {
		return nil, fieldErr("File", "%w: cannot be used with Config.Output", ErrConflict)
	}
	toFile := c.Output == nil && c.File != "" && c.File != "stdout" && c.File != "stderr"
	if c.Rotate != (Rotation{}) && !toFile {
		return nil, fieldErr("Rotate", "%w: needs Config.File to be a file path", ErrConflict)
	}
	if c.ReopenOn != nil && !toFile {
		return nil, fieldErr("ReopenOn", "%w: needs Config.File to be a file path", ErrConflict)
	}
	if c.Rotate.MaxSize < 0 {
		return nil, fieldErr("Rotate.MaxSize", "must not be negative, got %d", c.Rotate.MaxSize)
	}
	if c.Rotate.MaxAge < 0 {
		return nil, fieldErr("Rotate.MaxAge", "must not be negative, got %v", c.Rotate.MaxAge)
	}
	if c.Rotate.MaxBackups < 0 {
		return nil, fieldErr("Rotate.MaxBackups", "must not be negative, got %d", c.Rotate.MaxBackups)
	}
	if c.QueueSize < 0 {
		return nil, fieldErr("QueueSize", "must not be negative, got %d", c.QueueSize)
	}
	if c.QueueSize > 0 && !c.Async {
		return nil, fieldErr("QueueSize", "%w: needs Config.Async", ErrConflict)
	}
	for i, p := range c.Except {
		if !strings.HasPrefix(p, "/") {
			return nil, fieldErr(fmt.Sprintf("Except[%d]", i), "must start with \"/\", got %q", p)
		}
	}
	switch textproto.CanonicalMIMEHeaderKey(c.ClientIPHeader) {
	case "", "X-Forwarded-For", "X-Real-Ip", "Forwarded":
	default:
		return nil, fieldErr("ClientIPHeader", "must be X-Forwarded-For, X-Real-IP or Forwarded, got %q", c.ClientIPHeader)
	}
	for i, name := range c.RedactQuery {
		if name == "" {
			return nil, fieldErr(fmt.Sprintf("RedactQuery[%d]", i), "must not be empty")
		}
	}
	return parseTrusted(c.TrustedProxies)
}

// parseTrusted turns CIDRs and bare addresses into prefixes.
func parseTrusted(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for i, s := range list {
		s = strings.TrimSpace(s)
		var p netip.Prefix
		var err error
		if strings.Contains(s, "/") {
			p, err = netip.ParsePrefix(s)
		} else {
			var a netip.Addr
			a, err = netip.ParseAddr(s)
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if err != nil {
			return nil, fieldErr(fmt.Sprintf("TrustedProxies[%d]", i), "%q is neither a CIDR nor an address", list[i])
		}
		if p.Addr().Is4In6() {
			// ::ffff:10.0.0.0/104 is how some write a v4 range in v6 form.
			bits := p.Bits() - 96
			if bits < 0 {
				return nil, fieldErr(fmt.Sprintf("TrustedProxies[%d]", i), "%q covers more than the IPv4-mapped range", list[i])
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), bits)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
