package gzip

import (
	"strings"

	"github.com/httpmw/httpmw/internal/cfgerr"
)

// Defaults used when a Config field is left at its zero value.
const (
	// DefaultLevel is klauspost/compress's own default level, the last of
	// its fast matchers but one. (Caddy 0.x used compress/flate's 6.)
	DefaultLevel = 5
	// DefaultMinLength is the body size below which responses are sent
	// as they are: compressing a few hundred bytes saves less than a
	// packet and costs CPU on both ends.
	DefaultMinLength = 512
	// MaxBreachPadding bounds Config.BreachPadding.
	MaxBreachPadding = 4096
)

// Encoding names understood in Config.Prefer and sent in Content-Encoding.
const (
	Gzip = "gzip"
	Zstd = "zstd"
)

// Config tells the middleware what to compress and how. Its zero value
// compresses text-like responses of 512 bytes or more with zstd or gzip
// (whichever the client prefers, zstd on a tie) at level 5.
type Config struct {
	// Level is the compression level, 1 (fastest) to 9 (smallest).
	// 0 means DefaultLevel. gzip uses it as is; zstd, which has four
	// speeds, maps 1-2 to its fastest, 3-5 to its default and 6-9 to
	// its better-compression setting.
	Level int

	// MinLength is the smallest body, in bytes, worth compressing; smaller
	// bodies go out untouched with a true Content-Length. Bytes are held
	// back until the length is known (a Content-Length header, MinLength
	// bytes written, a Flush or the handler's return), so a streamed body
	// of unknown length is still compressed once it passes MinLength.
	// 0 means DefaultMinLength; 1 compresses every non-empty body.
	MinLength int

	// Ext lists the request path extensions to compress, such as ".html"
	// or ".js"; "*" matches every path, and "" a path with no extension.
	// Matching ignores case. nil means every path, as Caddy's "ext *".
	Ext []string

	// Not lists path prefixes never compressed, matched on whole segments
	// as httpmw.Path does: "/images" covers "/images/a.png", not "/imagesx".
	Not []string

	// Types lists the media types worth compressing, such as "text/html",
	// "text/*", "application/*+json" or "*/*" (everything). Parameters
	// (";charset=...") and case are ignored. nil means DefaultTypes().
	Types []string

	// SkipTypes lists media types never compressed even when Types
	// matches them; it wins over Types. nil means DefaultSkipTypes() (images,
	// video, audio, archives and fonts that are compressed already);
	// an empty, non-nil slice skips nothing.
	SkipTypes []string

	// Prefer lists the encodings offered, in the order the server prefers
	// them when the client's q-values tie, from "zstd" and "gzip". nil
	// means {"zstd", "gzip"}; {"gzip"} turns zstd off.
	Prefer []string

	// BreachPadding, when above 0, adds 1 to BreachPadding random bytes
	// to every compressed response (a gzip header comment, a zstd
	// skippable frame) so that its length leaks less about its content.
	// This raises the cost of BREACH-style attacks, which guess a secret
	// in a page from compressed sizes, but does not stop a patient
	// attacker who averages many requests: pages that reflect user input
	// next to secrets should also mask the secret per request or not be
	// compressed (Not). 0, the default, adds nothing. At most
	// MaxBreachPadding.
	BreachPadding int
}

// DefaultTypes returns what Config.Types means when nil: text and the
// structured text formats web servers send.
func DefaultTypes() []string { return append([]string(nil), defaultTypes...) }

var defaultTypes = []string{
	"text/*",
	"application/json", "application/*+json", "application/x-ndjson",
	"application/xml", "application/*+xml",
	"application/javascript", "application/x-javascript", "application/ecmascript",
	"application/wasm", "application/x-www-form-urlencoded", "application/graphql",
	"image/svg+xml", "image/x-icon", "image/vnd.microsoft.icon", "image/bmp",
	"font/ttf", "font/otf", "font/collection", "application/vnd.ms-fontobject",
	"application/x-font-ttf", "application/x-font-opentype",
}

// DefaultSkipTypes returns what Config.SkipTypes means when nil: formats
// that carry their own compression, where gzip only costs CPU.
func DefaultSkipTypes() []string { return append([]string(nil), defaultSkipTypes...) }

var defaultSkipTypes = []string{
	"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif",
	"image/apng", "image/heic", "image/heif", "image/jxl",
	"video/*", "audio/*",
	"font/woff", "font/woff2", "application/font-woff",
	"application/zip", "application/gzip", "application/x-gzip",
	"application/zstd", "application/x-bzip2", "application/x-xz",
	"application/x-7z-compressed", "application/vnd.rar", "application/x-rar-compressed",
	"application/x-brotli", "application/x-lzip", "application/x-compress",
}

// settings is a validated Config with every default filled in, shared by
// all requests of one middleware.
type settings struct {
	level     int
	minLength int
	allExt    bool
	ext       []string // lower case
	not       []string
	types     typeSet
	skip      typeSet
	prefer    []encoding // server order; only these are offered
	padding   string     // BreachPadding bytes of filler, "" when off
}

func invalid(field, format string, args ...any) error {
	return cfgerr.New("gzip", "Config."+field, format, args...)
}

// validate checks every field of c, returning an *httpmw.ConfigError for
// the first bad one. It resolves no defaults; settings does that after.
func (c Config) validate() error {
	if c.Level != 0 && (c.Level < 1 || c.Level > 9) {
		return invalid("Level", "must be 1-9, got %d", c.Level)
	}
	if c.MinLength < 0 {
		return invalid("MinLength", "must not be negative, got %d", c.MinLength)
	}
	for _, e := range c.Ext {
		if e != "*" && e != "" && (!strings.HasPrefix(e, ".") || strings.ContainsAny(e, "/ ")) {
			return invalid("Ext", `%q: want "*", "" or an extension such as ".html"`, e)
		}
	}
	for _, p := range c.Not {
		if !strings.HasPrefix(p, "/") {
			return invalid("Not", "%q: must start with /", p)
		}
	}
	if _, err := parseTypeSet(c.Types); err != nil {
		return invalid("Types", "%v", err)
	}
	if _, err := parseTypeSet(c.SkipTypes); err != nil {
		return invalid("SkipTypes", "%v", err)
	}
	if c.Prefer != nil && len(c.Prefer) == 0 {
		return invalid("Prefer", "must list at least one encoding (nil means zstd, gzip)")
	}
	for i, name := range c.Prefer {
		e := encodingByName(name)
		if e == identity {
			return invalid("Prefer", "%q: want %q or %q", name, Zstd, Gzip)
		}
		for _, seen := range c.Prefer[:i] {
			if encodingByName(seen) == e {
				return invalid("Prefer", "%q listed twice", name)
			}
		}
	}
	if c.BreachPadding < 0 || c.BreachPadding > MaxBreachPadding {
		return invalid("BreachPadding", "must be 0-%d, got %d", MaxBreachPadding, c.BreachPadding)
	}
	return nil
}

// settings resolves the defaults of c, which validate has accepted.
func (c Config) settings() *settings {
	s := &settings{level: c.Level, minLength: c.MinLength}
	if s.level == 0 {
		s.level = DefaultLevel
	}
	if s.minLength == 0 {
		s.minLength = DefaultMinLength
	}

	s.allExt = c.Ext == nil
	for _, e := range c.Ext {
		if e == "*" {
			s.allExt = true
		} else {
			s.ext = append(s.ext, strings.ToLower(e))
		}
	}
	s.not = append(s.not, c.Not...)

	types, skip := c.Types, c.SkipTypes
	if types == nil {
		types = defaultTypes
	}
	if skip == nil {
		skip = defaultSkipTypes
	}
	// Both parse: validate checked the caller's lists, and the defaults
	// are tested.
	s.types, _ = parseTypeSet(types)
	s.skip, _ = parseTypeSet(skip)

	prefer := c.Prefer
	if prefer == nil {
		prefer = []string{Zstd, Gzip}
	}
	for _, name := range prefer {
		s.prefer = append(s.prefer, encodingByName(name))
	}

	if c.BreachPadding > 0 {
		s.padding = strings.Repeat("BREACH-padding.", c.BreachPadding/15+1)[:c.BreachPadding]
	}
	return s
}
