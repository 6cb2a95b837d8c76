package logger

import (
	"io"
	"log/slog"
	"net/textproto"
	"os"
	"sync"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/cfgerr"
)

// Logger writes one access log line (or slog record) per request that
// passes through its Middleware. It is safe for concurrent use. Close it
// when done: that writes out queued lines, stops signal handling and closes
// a file it opened.
type Logger struct {
	format  *format
	slog    *slog.Logger
	sink    sink
	file    *logFile // nil unless Config.File is a path
	watcher *signalWatcher
	lines   lines
	count   counters
	clock   clock
	proxies proxies
	redact  redactor
	scope   httpmw.Path
	except  []httpmw.Path
	onError func(error)

	closeOnce sync.Once
	closeErr  error
}

// New checks cfg and returns a Logger; the error names the first bad field.
func New(cfg Config) (*Logger, error) { return newLogger(cfg, nil) }

// newLogger is New with a hook the tests use to learn that a signal was
// handled; nil in production.
func newLogger(cfg Config, afterReopen func(error)) (*Logger, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	nets, err := cfg.trustedProxies()
	if err != nil {
		return nil, err
	}
	l := &Logger{
		slog:    cfg.Slog,
		scope:   cfg.Path,
		redact:  newRedactor(cfg.RedactQuery),
		onError: cfg.OnError,
		proxies: proxies{nets: nets},
	}
	switch textproto.CanonicalMIMEHeaderKey(cfg.ClientIPHeader) {
	case "X-Real-Ip":
		l.proxies.source = fromXRealIP
	case "Forwarded":
		l.proxies.source = fromForwarded
	}
	l.clock.now = cfg.Now
	if l.clock.now == nil {
		l.clock.now = time.Now
	}
	for _, p := range cfg.Except {
		l.except = append(l.except, httpmw.Path{Base: p, IgnoreCase: cfg.Path.IgnoreCase})
	}
	if l.slog != nil {
		return l, nil
	}
	if l.format, err = parseFormat(cfg.Format); err != nil {
		return nil, err
	}

	out := cfg.Output
	switch {
	case out != nil:
	case cfg.File == "" || cfg.File == "stdout":
		out = os.Stdout
	case cfg.File == "stderr":
		out = os.Stderr
	default:
		if l.file, err = openLogFile(cfg.File, cfg.Rotate, l.clock.now, l.reportAlways); err != nil {
			return nil, cfgerr.New("logger", "Config.File", "%w", err)
		}
		out = l.file
	}
	if cfg.Async {
		size, bytes := cfg.QueueSize, cfg.QueueBytes
		if size == 0 {
			size = defaultQueueSize
		}
		if bytes == 0 {
			bytes = defaultQueueBytes
		}
		l.sink = newAsyncSink(out, size, int64(bytes), &l.lines, &l.count, l.reportWrite)
	} else {
		l.sink = &syncSink{out: out, lines: &l.lines, count: &l.count, report: l.reportWrite}
	}
	if cfg.ReopenOn != nil {
		l.watcher = watchSignal(cfg.ReopenOn, func() {
			err := l.Reopen()
			if err != nil {
				l.reportAlways(err)
			}
			if afterReopen != nil {
				afterReopen(err)
			}
		})
	}
	return l, nil
}

// Middleware logs the requests that next serves. Use it in a chain, or as
// httpmw.ToHTTPMiddleware(l.Middleware) with chi.
func (l *Logger) Middleware(next httpmw.Handler) httpmw.Handler {
	return &handler{l: l, next: next}
}

var _ httpmw.Middleware = (*Logger)(nil).Middleware

// Dropped is how many lines were lost: the Async queue was full, or the
// request ended after Close.
func (l *Logger) Dropped() uint64 { return l.count.dropped.Load() }

// Reopen closes and reopens Config.File, for log rotation done outside the
// process. Without a file path it does nothing.
func (l *Logger) Reopen() error {
	if l.file == nil {
		return nil
	}
	return l.file.Reopen()
}

// Close stops signal handling, writes every queued line and closes the file
// the logger opened (never Config.Output). Later requests are still served
// but not logged (see Dropped). Close is idempotent.
func (l *Logger) Close() error {
	l.closeOnce.Do(func() {
		if l.watcher != nil {
			l.watcher.stop()
		}
		if l.sink != nil {
			l.sink.close()
		}
		if l.file != nil {
			l.closeErr = l.file.Close()
		}
	})
	return l.closeErr
}

var _ io.Closer = (*Logger)(nil)

// reportWrite reports a failed write; err nil marks a success, which
// rearms the report of the next failure.
func (l *Logger) reportWrite(err error) {
	if err == nil {
		if l.count.failing.Load() {
			l.count.failing.Store(false)
		}
		return
	}
	if l.onError != nil {
		l.onError(err)
		return
	}
	if !l.count.failing.Swap(true) {
		slog.Default().Error("logger: writing access log failed; further failures are not reported until a write succeeds", "err", err)
	}
}

// reportAlways reports rare errors (rotation, reopen) every time.
func (l *Logger) reportAlways(err error) {
	if l.onError != nil {
		l.onError(err)
		return
	}
	slog.Default().Error("logger: access log", "err", err)
}

// applies reports whether a request path is logged.
func (l *Logger) applies(path string) bool {
	if !l.scope.Matches(path) {
		return false
	}
	for _, p := range l.except {
		if p.Matches(path) {
			return false
		}
	}
	return true
}
