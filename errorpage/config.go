package errorpage

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/httpmw/httpmw/internal/cfgerr"
)

// DefaultMaxPageSize bounds a page file when Config.MaxPageSize is 0.
const DefaultMaxPageSize = 1 << 20

func invalid(field, format string, args ...any) error {
	return cfgerr.New("errorpage", "Config."+field, format, args...)
}

// Config tells Pages what to render and where to log. Its zero value
// renders every error as a short plain text page ("404 Not Found"), logs
// errors and panics to standard error, and never shows error text to the
// client.
type Config struct {
	// Root is the folder the page files are read from, usually the site
	// root. "" means the current directory. Files are opened through an
	// os.Root, so neither ".." nor a symlink leads outside it. A Root
	// without symlinks is opened once, by New; a Root that is or goes
	// through a symlink (a deploy's "current" link) is resolved again at
	// each error, so a deploy that moves the link is seen.
	Root string

	// Pages maps a status (400-599) to a file under Root, such as
	// 404: "404.html" (Caddy's "errors { 404 404.html }"). The file is
	// read for each error it answers, so a deploy that replaces it is
	// seen at once. A status without a page, or whose file cannot be read,
	// gets the plain text page, and the failure is logged.
	Pages map[int]string

	// MaxPageSize is the largest page file served, in bytes; a bigger
	// file is refused (logged, plain page sent), so a mistake cannot make
	// every error read a huge file into memory. 0 means
	// DefaultMaxPageSize (1 MiB).
	MaxPageSize int64

	// Log receives one line per error, in Caddy's format:
	// "02/Jan/2006:15:04:05 -0700 [ERROR 502 /path] message". A panic's
	// line is followed by its stack. Control characters are escaped so
	// request data cannot forge a line. nil means os.Stderr, unless Slog
	// is set. Writes are serialized, so any io.Writer will do.
	Log io.Writer

	// Slog, when set, receives the errors as slog records instead of Log.
	Slog *slog.Logger

	// Visible shows the error text in the body of the error page (Caddy's
	// "errors visible"), for development only: it can reveal file names
	// and internals. The stack of a panic is never shown, only logged.
	// false, the default, never sends error text to the client.
	Visible bool
}

// settings is a validated Config.
type settings struct {
	root    string
	follow  bool           // root goes through a symlink: open it at each error
	pages   map[int]string // status -> local name under root
	maxSize int64
	visible bool
}

func (c Config) settings() (*settings, error) {
	s := &settings{root: c.Root, maxSize: c.MaxPageSize, visible: c.Visible}
	if s.root == "" {
		s.root = "."
	}
	if fi, err := os.Stat(s.root); err != nil {
		return nil, invalid("Root", "%v", err)
	} else if !fi.IsDir() {
		return nil, invalid("Root", "%q is not a folder", c.Root)
	}
	abs, err := filepath.Abs(s.root)
	if err != nil {
		return nil, invalid("Root", "%v", err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, invalid("Root", "%v", err)
	}
	s.follow = real != abs
	if s.maxSize == 0 {
		s.maxSize = DefaultMaxPageSize
	}
	if s.maxSize < 0 {
		return nil, invalid("MaxPageSize", "must not be negative, got %d", c.MaxPageSize)
	}
	s.pages = make(map[int]string, len(c.Pages))
	for status, name := range c.Pages {
		if status < 400 || status > 599 {
			return nil, invalid("Pages", "%d: not an error status (400-599)", status)
		}
		local := filepath.FromSlash(strings.TrimLeft(name, "/"))
		if name == "" || !filepath.IsLocal(local) {
			return nil, invalid("Pages", "%d: %q must name a file under Root", status, name)
		}
		s.pages[status] = local
	}
	return s, nil
}
