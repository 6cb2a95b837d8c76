package logger

import (
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestNewRejectsBadConfig(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a.log")
	cases := []struct {
		cfg  Config
		want string
		is   error
	}{
		{Config{Format: "{remote} {bogus}"}, `logger: Config.Format: unknown placeholder "{bogus}"`, ErrUnknownPlaceholder},
		{Config{Format: "{remote"}, `logger: Config.Format: malformed format: unclosed "{" at offset 0`, ErrBadFormat},
		{Config{Format: "{status}\n"}, `logger: Config.Format: malformed format: control character '\n' at offset 8`, ErrBadFormat},
		{Config{Format: "{>Bad Header}"}, `unknown placeholder "{>Bad Header}"`, ErrUnknownPlaceholder},
		{Config{Slog: slog.Default(), Format: Common}, "logger: Config.Format: conflicting fields: cannot be used with Config.Slog", ErrConflict},
		{Config{Slog: slog.Default(), Async: true}, "logger: Config.Async: conflicting", ErrConflict},
		{Config{Output: io.Discard, File: file}, "logger: Config.File: conflicting", ErrConflict},
		{Config{Rotate: Rotation{MaxSize: 1}}, "logger: Config.Rotate: conflicting fields: needs Config.File to be a file path", ErrConflict},
		{Config{File: "stdout", ReopenOn: syscall.SIGHUP}, "logger: Config.ReopenOn: conflicting", ErrConflict},
		{Config{File: file, Rotate: Rotation{MaxSize: -1}}, "logger: Config.Rotate.MaxSize: must not be negative, got -1", nil},
		{Config{File: file, Rotate: Rotation{MaxBackups: -1}}, "logger: Config.Rotate.MaxBackups: must not be negative", nil},
		{Config{File: file, Rotate: Rotation{MaxAge: -1}}, "logger: Config.Rotate.MaxAge: must not be negative", nil},
		{Config{QueueSize: 10}, "logger: Config.QueueSize: conflicting fields: needs Config.Async", ErrConflict},
		{Config{Async: true, QueueSize: -1}, "logger: Config.QueueSize: must not be negative", nil},
		{Config{Except: []string{"healthz"}}, `logger: Config.Except[0]: must start with "/", got "healthz"`, nil},
		{Config{TrustedProxies: []string{"10.0.0.0/8", "10.0.0.300/8"}}, `logger: Config.TrustedProxies[1]: "10.0.0.300/8" is neither a CIDR nor an address`, nil},
		{Config{ClientIPHeader: "X-Client"}, `logger: Config.ClientIPHeader: must be X-Forwarded-For, X-Real-IP or Forwarded, got "X-Client"`, nil},
		{Config{RedactQuery: []string{""}}, "logger: Config.RedactQuery[0]: must not be empty", nil},
		{Config{File: filepath.Join(t.TempDir(), "missing", "dir", "a.log")}, "logger: Config.File: open ", nil},
	}
	for _, tc := range cases {
		l, err := New(tc.cfg)
		if err == nil {
			l.Close()
			t.Errorf("%+v: no error, want %q", tc.cfg, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %q, want it to contain %q", err, tc.want)
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("error %q does not wrap %v", err, tc.is)
		}
	}
}

func TestNewAcceptsGoodConfig(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{Format: Combined, File: "stderr"},
		{Format: "{combined} {latency_ms}", Output: io.Discard, Async: true},
		{Slog: slog.Default(), TrustedProxies: []string{"10.0.0.0/8", "::1", "::ffff:192.168.0.0/112"}, ClientIPHeader: "forwarded"},
		{File: filepath.Join(t.TempDir(), "a.log"), Rotate: Rotation{MaxSize: 1 << 20, MaxBackups: 3}, Except: []string{"/healthz"}},
	} {
		l, err := New(cfg)
		if err != nil {
			t.Errorf("%+v: %v", cfg, err)
			continue
		}
		if err := l.Close(); err != nil {
			t.Error(err)
		}
		if err := l.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	}
}
