package ext

import (
	"errors"
	"fmt"
	"strings"
)

// DefaultExt is what Config.Ext means when nil.
var DefaultExt = []string{".html"}

// ErrInvalidConfig matches, with errors.Is, every error New returns for a
// bad field.
var ErrInvalidConfig = errors.New("ext: invalid config")

// ConfigError is the error New returns for a bad Config field, such as
// `ext: Config.Ext: "html": must start with "."`.
type ConfigError struct {
	Field  string // the Config field, such as "Ext"
	Reason string
}

// Error names the field and what is wrong with it.
func (e *ConfigError) Error() string { return "ext: Config." + e.Field + ": " + e.Reason }

// Is reports whether target is ErrInvalidConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

func invalid(field, format string, args ...any) error {
	return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Config says where the files are and which extensions to try. Its zero
// value serves /about as /about.html when about.html exists in the
// current directory.
type Config struct {
	// Root is the site's folder, the one the file server behind serves.
	// "" means the current directory. Files are looked up through an
	// os.Root opened on it, so neither ".." nor a symlink can make the
	// middleware probe for a file outside. A Root that is, or goes
	// through, a symlink (gitsync's Dest/current) is opened again at each
	// request, so a deploy that repoints it is seen at once.
	Root string

	// Ext lists the extensions tried, in order, such as ".html", ".htm".
	// nil means DefaultExt.
	Ext []string
}

func (c Config) exts() ([]string, error) {
	exts := c.Ext
	if exts == nil {
		exts = DefaultExt
	}
	if len(exts) == 0 {
		return nil, invalid("Ext", "must list at least one extension (nil means .html)")
	}
	for _, e := range exts {
		if !strings.HasPrefix(e, ".") || len(e) < 2 || strings.ContainsAny(e, "/\\\x00") {
			return nil, invalid("Ext", `%q: want an extension such as ".html"`, e)
		}
	}
	return append([]string(nil), exts...), nil
}
