package httpserve

import (
	"flag"
	"net"
	"net/http"
	"time"
)

// Progress is how much a request body or a response must move within its
// timeout (BodyTimeout, WriteTimeout) for the connection to stay open.
const Progress = 64 << 10

// The defaults of Limits.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultBodyTimeout       = 60 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultMaxHeaderBytes    = http.DefaultMaxHeaderBytes
)

// Limits are a server's timeouts and limits. The zero value means the
// defaults, given at each field.
type Limits struct {
	// ReadHeaderTimeout bounds the request line and headers, whole: a
	// client that drips them (slowloris) is closed. Default 10s.
	ReadHeaderTimeout time.Duration
	// BodyTimeout is how long reading a request body may wait for the
	// next Progress bytes (or its end). Time the handler spends elsewhere
	// (sending to a slow upstream) does not count. Default 60s.
	BodyTimeout time.Duration
	// WriteTimeout is how long the client may take to accept each Progress
	// bytes of the response (also on upgraded connections). Default 60s.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection with no request. Default 2m.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request head. Default 1 MiB, Go's: FastCGI
	// and proxies pass headers well over 64 KiB (large cookies).
	MaxHeaderBytes int
}

func (l Limits) withDefaults() Limits {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&l.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&l.BodyTimeout, DefaultBodyTimeout)
	def(&l.WriteTimeout, DefaultWriteTimeout)
	def(&l.IdleTimeout, DefaultIdleTimeout)
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	return l
}

// Server returns an http.Server for h with l's header, idle and header
// size limits, and request bodies read under BodyTimeout. Serve it on
// l.Listener, which applies WriteTimeout.
func (l Limits) Server(h http.Handler) *http.Server {
	l = l.withDefaults()
	return &http.Server{
		Handler:           bodyProgress(h, l.BodyTimeout),
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		// ReadTimeout and WriteTimeout stay 0: they would bound whole
		// transfers. BodyTimeout and WriteTimeout bound progress instead.
	}
}

// Listener wraps ln so that every connection's writes are bounded by
// WriteTimeout per Progress bytes.
func (l Limits) Listener(ln net.Listener) net.Listener {
	return &listener{Listener: ln, timeout: l.withDefaults().WriteTimeout}
}

// Flags registers a command-line flag for each limit on fs, so that an
// example program's users can change them: -header-timeout, -body-timeout,
// -write-timeout, -idle-timeout and -max-header-bytes.
func (l *Limits) Flags(fs *flag.FlagSet) {
	fs.DurationVar(&l.ReadHeaderTimeout, "header-timeout", DefaultReadHeaderTimeout, "longest time to read a request's line and headers")
	fs.DurationVar(&l.BodyTimeout, "body-timeout", DefaultBodyTimeout, "longest wait for each 64 KiB (or the end) of a request body")
	fs.DurationVar(&l.WriteTimeout, "write-timeout", DefaultWriteTimeout, "longest time a client may take to accept each 64 KiB of a response")
	fs.DurationVar(&l.IdleTimeout, "idle-timeout", DefaultIdleTimeout, "close keep-alive connections idle this long")
	fs.IntVar(&l.MaxHeaderBytes, "max-header-bytes", DefaultMaxHeaderBytes, "largest request head in bytes")
}
