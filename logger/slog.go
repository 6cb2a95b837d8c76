package logger

import (
	"log/slog"
)

// logRecord sends e to Config.Slog: Info for most, Warn for 4xx, Error for
// 5xx, so a handler's level filter can keep only the failures.
func (l *Logger) logRecord(e *entry) {
	level := slog.LevelInfo
	switch {
	case e.status >= 500:
		level = slog.LevelError
	case e.status >= 400:
		level = slog.LevelWarn
	}
	ctx := e.r.Context()
	if !l.slog.Enabled(ctx, level) {
		return
	}
	r := e.r
	var remote []byte
	remote = l.appendClient(remote, r)
	uri := string(l.appendURI(nil, r, false))
	l.slog.LogAttrs(ctx, level, "request",
		slog.Group("request",
			slog.String("remote", string(remote)),
			slog.String("method", r.Method),
			slog.String("host", r.Host),
			slog.String("uri", uri),
			slog.String("proto", r.Proto),
			slog.String("user_agent", headerValue(r.Header, "User-Agent")),
			slog.String("referer", headerValue(r.Header, "Referer")),
		),
		slog.Group("response",
			slog.Int("status", e.status),
			slog.Int64("size", e.size),
		),
		slog.Duration("duration", e.dur),
	)
}
