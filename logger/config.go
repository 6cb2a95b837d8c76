package logger

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/textproto"
	"os"
	"strings"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/cfgerr"
	"github.com/httpmw/httpmw/internal/clientip"
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

	// QueueBytes bounds the Async queue in bytes, whatever the number of
	// lines: a client can make its line as long as net/http lets its
	// request line and headers be (1 MiB by default, more once escaped),
	// so lines alone would not bound the memory a slow disk lets pile up.
	// A line that would pass it is dropped and counted like one that finds
	// the queue full, unless the queue is empty. 0 means 4 MiB.
	QueueBytes int

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

const (
	defaultQueueSize  = 4096
	defaultQueueBytes = 4 << 20
)

// validate checks every field without touching the system; the error
// names the first bad one.
func (c *Config) validate() error {
	if c.Slog != nil {
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"Format", c.Format != ""}, {"Output", c.Output != nil}, {"File", c.File != ""},
			{"Rotate", c.Rotate != Rotation{}}, {"Async", c.Async}, {"ReopenOn", c.ReopenOn != nil},
		} {
			if f.set {
				return cfgerr.New("logger", "Config."+f.name, "%w: cannot be used with Config.Slog", ErrConflict)
			}
		}
	}
	if c.Output != nil && c.File != "" {
		return cfgerr.New("logger", "Config.File", "%w: cannot be used with Config.Output", ErrConflict)
	}
	toFile := c.Output == nil && c.File != "" && c.File != "stdout" && c.File != "stderr"
	if c.Rotate != (Rotation{}) && !toFile {
		return cfgerr.New("logger", "Config.Rotate", "%w: needs Config.File to be a file path", ErrConflict)
	}
	if c.ReopenOn != nil && !toFile {
		return cfgerr.New("logger", "Config.ReopenOn", "%w: needs Config.File to be a file path", ErrConflict)
	}
	if c.Rotate.MaxSize < 0 {
		return cfgerr.New("logger", "Config.Rotate.MaxSize", "must not be negative, got %d", c.Rotate.MaxSize)
	}
	if c.Rotate.MaxAge < 0 {
		return cfgerr.New("logger", "Config.Rotate.MaxAge", "must not be negative, got %v", c.Rotate.MaxAge)
	}
	if c.Rotate.MaxBackups < 0 {
		return cfgerr.New("logger", "Config.Rotate.MaxBackups", "must not be negative, got %d", c.Rotate.MaxBackups)
	}
	if c.QueueSize < 0 {
		return cfgerr.New("logger", "Config.QueueSize", "must not be negative, got %d", c.QueueSize)
	}
	if c.QueueSize > 0 && !c.Async {
		return cfgerr.New("logger", "Config.QueueSize", "%w: needs Config.Async", ErrConflict)
	}
	if c.QueueBytes < 0 {
		return cfgerr.New("logger", "Config.QueueBytes", "must not be negative, got %d", c.QueueBytes)
	}
	if c.QueueBytes > 0 && !c.Async {
		return cfgerr.New("logger", "Config.QueueBytes", "%w: needs Config.Async", ErrConflict)
	}
	for i, p := range c.Except {
		if !strings.HasPrefix(p, "/") {
			return cfgerr.New("logger", fmt.Sprintf("Config.Except[%d]", i), "must start with \"/\", got %q", p)
		}
	}
	switch textproto.CanonicalMIMEHeaderKey(c.ClientIPHeader) {
	case "", "X-Forwarded-For", "X-Real-Ip", "Forwarded":
	default:
		return cfgerr.New("logger", "Config.ClientIPHeader", "must be X-Forwarded-For, X-Real-IP or Forwarded, got %q", c.ClientIPHeader)
	}
	for i, name := range c.RedactQuery {
		if name == "" {
			return cfgerr.New("logger", fmt.Sprintf("Config.RedactQuery[%d]", i), "must not be empty")
		}
	}
	_, err := c.trustedProxies()
	return err
}

// trustedProxies parses Config.TrustedProxies.
func (c *Config) trustedProxies() (clientip.Trusted, error) {
	t, i, err := clientip.ParseTrusted(c.TrustedProxies)
	if err != nil {
		return nil, cfgerr.New("logger", fmt.Sprintf("Config.TrustedProxies[%d]", i), "%v", err)
	}
	return t, nil
}
