package errorpage

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

// timeFormat is Caddy's error log time stamp (the Common Log Format's).
const timeFormat = "02/Jan/2006:15:04:05 -0700"

// errorLog writes Caddy-style lines to a writer, or records to a slog.Logger.
type errorLog struct {
	mu   sync.Mutex // one Write per entry, never interleaved
	w    io.Writer
	slog *slog.Logger
}

func newErrorLog(w io.Writer, sl *slog.Logger) *errorLog {
	if w == nil && sl == nil {
		w = os.Stderr
	}
	if sl != nil {
		w = nil
	}
	return &errorLog{w: w, slog: sl}
}

// error logs an error a handler returned with its status.
func (l *errorLog) error(r *http.Request, status int, err error) {
	if l.slog != nil {
		l.slog.Error("httpmw/errorpage: handler error",
			"method", r.Method, "path", r.URL.Path, "status", status, "err", err)
		return
	}
	l.line("ERROR "+strconv.Itoa(status), r, err.Error(), nil)
}

// notice logs that a page file could not be served.
func (l *errorLog) notice(r *http.Request, status int, err error) {
	if l.slog != nil {
		l.slog.Warn("httpmw/errorpage: plain page sent",
			"method", r.Method, "path", r.URL.Path, "status", status, "err", err)
		return
	}
	l.line("NOTICE "+strconv.Itoa(status), r, err.Error(), nil)
}

// panic logs a recovered panic with its stack.
func (l *errorLog) panic(r *http.Request, v any, stack []byte) {
	msg := fmt.Sprintf("%v", v)
	if l.slog != nil {
		l.slog.Error("httpmw/errorpage: panic recovered",
			"method", r.Method, "path", r.URL.Path, "status", http.StatusInternalServerError,
			"panic", msg, "stack", string(stack))
		return
	}
	l.line("PANIC", r, msg, stack)
}

// line writes "time [kind path] msg", then the stack as it is (it comes
// from the runtime, not from the request).
func (l *errorLog) line(kind string, r *http.Request, msg string, stack []byte) {
	b := make([]byte, 0, 128+len(msg)+len(stack))
	b = time.Now().AppendFormat(b, timeFormat)
	b = append(b, " ["...)
	b = append(b, kind...)
	b = append(b, ' ')
	b = appendEscaped(b, r.URL.Path)
	b = append(b, "] "...)
	b = appendEscaped(b, msg)
	b = append(b, '\n')
	b = append(b, stack...)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.w.Write(b)
}

// appendEscaped appends s with control characters as \xNN, so that a
// request path or an error quoting one cannot start a line of its own.
func appendEscaped(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c == '\\' {
			if c == '\\' {
				b = append(b, '\\', '\\')
				continue
			}
			b = append(b, '\\', 'x', hex[c>>4], hex[c&15])
			continue
		}
		b = append(b, c)
	}
	return b
}
