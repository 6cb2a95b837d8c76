package ext

import (
	"strings"

	"github.com/httpmw/httpmw/internal/cfgerr"
)

// DefaultExt is what Config.Ext means when nil.
var DefaultExt = []string{".html"}

func invalid(field, format string, args ...any) error {
	return cfgerr.New("ext", "Config."+field, format, args...)
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
