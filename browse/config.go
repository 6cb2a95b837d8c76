package browse

import (
	"errors"
	"fmt"
	"html/template"
	"path"
	"strings"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/cfgerr"
)

// DefaultIndexNames are the files served for a folder when Config.IndexNames
// is nil, first match wins, as in Caddy 0.x.
var DefaultIndexNames = []string{"index.html", "index.htm", "default.html", "default.htm"}

// DefaultMaxListingEntries is the page size of listings when
// Config.MaxListingEntries is 0: about 1.2 MB of memory held while the
// page is sent.
const DefaultMaxListingEntries = 10_000

// MaxDeepListings is how many listing pages past Config.MaxListingEntries
// entries (?offset=) are read at once; more wait for their turn.
const MaxDeepListings = 2

// ErrNotFolder is returned by New when Config.Root is not a folder.
var ErrNotFolder = errors.New("not a folder")

// Config configures a Server. Its zero value serves the current directory's
// files and index pages, hides dotfiles, serves precompressed siblings and
// shows no listings.
type Config struct {
	// Root is the folder served. "" means the current directory. Every
	// access goes through an os.Root opened on it, so neither "..", nor a
	// symlink pointing outside, can reach a file beyond it.
	//
	// A Root that is, or goes through, a symlink is followed: each request
	// checks (one stat) where the path leads now, and when a deploy has
	// pointed the link at another folder (gitsync's Dest/current, replaced
	// with rename(2)), it opens that folder and serves it from then on.
	// Each request sees one folder only, for its whole life; the previous
	// one is closed when the last request using it finishes. A link that
	// leads nowhere, or to a file, leaves the last folder served. A Root
	// without symlinks is opened once, and renaming another folder onto
	// it is not noticed.
	Root string

	// IndexNames are the files served for a folder, first match wins.
	// nil means DefaultIndexNames.
	IndexNames []string

	// Listing shows the contents of folders that have no index page
	// (Caddy's browse directive). false answers 404 for them.
	Listing bool

	// ListingPaths limits listings to folders under these request paths,
	// matched like httpmw.Path (Caddy's "browse /docs"). nil or empty means
	// everywhere, when Listing is on.
	ListingPaths []string

	// Hide lists glob patterns (path.Match syntax) for files that are neither
	// listed nor served (404). A pattern without "/" is matched against every
	// path segment ("*.bak", "node_modules"); a pattern with "/" against the
	// whole request path from the root ("/private/*").
	Hide []string

	// ShowDotfiles serves and lists files and folders whose names start with
	// a dot. false hides them (404), so .git and .env never leave the
	// machine; ".well-known" (RFC 8615) is always served.
	ShowDotfiles bool

	// DisablePrecompressed stops serving precompressed siblings. false
	// serves "app.js.zst", "app.js.br" or "app.js.gz" for "app.js" when the
	// sibling exists and the client accepts that encoding.
	DisablePrecompressed bool

	// Template renders HTML listings in place of the built-in page. It is
	// executed with a *Listing, which has the fields and methods Caddy
	// 0.7's listing templates use. New executes it once on a sample
	// listing: a template that fails there is an error. A page is rendered
	// whole (at most 16 MiB) before it is sent, so a template that fails
	// on a request is a 500 and an error for the caller to log, never a
	// cut page. nil means the built-in page, which streams and is much
	// faster on large folders.
	Template *template.Template

	// MaxListingEntries is the most entries one listing page holds and
	// sends. A folder with more is listed in pages of this many, each
	// linking to the next (a Link header, the HTML page's "Next" link,
	// and total/offset/limit in JSON), as Caddy 2's browse limit does; a
	// larger ?limit= is cut to it. 0 means DefaultMaxListingEntries; a
	// negative value lists every entry on one page, holding them all in
	// memory while the page is sent.
	//
	// A page deep in a large folder (?offset= past this many entries)
	// holds every entry before it while the folder is read; at most
	// MaxDeepListings such pages are read at once, the others wait.
	MaxListingEntries int

	// Welcome serves the root folder ("/") when it has no index page and
	// nothing to list: listings are off, or the folder has no visible
	// entry. nil means the empty listing, or 404 when listings are off.
	Welcome httpmw.Handler
}

func (c *Config) validate() error {
	for i, name := range c.IndexNames {
		if name == "" || strings.ContainsAny(name, "/\\\x00") || name == "." || name == ".." {
			return cfgerr.New("browse", fmt.Sprintf("Config.IndexNames[%d]", i), "%q is not a file name", name)
		}
	}
	for i, p := range c.ListingPaths {
		if !strings.HasPrefix(p, "/") {
			return cfgerr.New("browse", fmt.Sprintf("Config.ListingPaths[%d]", i), "%q must start with \"/\"", p)
		}
	}
	for i, p := range c.Hide {
		if p == "" {
			return cfgerr.New("browse", fmt.Sprintf("Config.Hide[%d]", i), "empty pattern")
		}
		if _, err := path.Match(p, ""); err != nil {
			return cfgerr.New("browse", fmt.Sprintf("Config.Hide[%d]", i), "%q: %w", p, err)
		}
	}
	if c.Template != nil {
		if err := CheckTemplate(c.Template); err != nil {
			return cfgerr.New("browse", "Config.Template", "%w", err)
		}
	}
	return nil
}
