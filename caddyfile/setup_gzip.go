package caddyfile

import (
	"strconv"

	"github.com/httpmw/httpmw/gzip"
)

// setupGzip reads Caddy 0.7's gzip directive:
//
//	gzip
//	gzip {
//		ext   extensions...   # ".html .css", or "*" for every path
//		not   paths...        # never compressed
//		level 1-9
//		min_length bytes      # Caddy 0.8's option, accepted here too
//	}
//
// Caddy compressed every response of a matching path; httpmw's gzip also
// skips media that is compressed already (images, archives) and bodies
// under 512 bytes, and offers zstd to clients that prefer it.
func setupGzip(s *siteConfig, d Directive) error {
	if err := checkArgs(d, 0, 0, "gzip"); err != nil {
		return err
	}
	if s.gzip != nil {
		return errorf(d.Pos, "gzip: set twice in one site (first at %s)", s.gzipPos)
	}
	c := gzip.Config{}
	for _, o := range d.Options {
		switch o.Name {
		case "ext":
			if err := checkOptionArgs("gzip", o, 1, -1, "ext extensions..."); err != nil {
				return err
			}
			for _, e := range o.Args {
				if e != "*" && (len(e) < 2 || e[0] != '.') {
					return errorf(o.Pos, "gzip: ext: expected an extension such as .html, or *, got %q", e)
				}
			}
			c.Ext = append(c.Ext, o.Args...)
		case "not":
			if err := checkOptionArgs("gzip", o, 1, -1, "not paths..."); err != nil {
				return err
			}
			c.Not = append(c.Not, o.Args...)
		case "level":
			if err := checkOptionArgs("gzip", o, 1, 1, "level 1-9"); err != nil {
				return err
			}
			n, err := strconv.Atoi(o.Args[0])
			if err != nil || n < 1 || n > 9 {
				return errorf(o.Pos, "gzip: level: expected a number from 1 to 9, got %q", o.Args[0])
			}
			c.Level = n
		case "min_length":
			if err := checkOptionArgs("gzip", o, 1, 1, "min_length bytes"); err != nil {
				return err
			}
			n, err := strconv.Atoi(o.Args[0])
			if err != nil || n < 1 {
				return errorf(o.Pos, "gzip: min_length: expected a number of bytes, 1 or more, got %q", o.Args[0])
			}
			c.MinLength = n
		default:
			return unknownOption("gzip", o, "ext", "not", "level", "min_length")
		}
	}
	if _, err := gzip.New(c); err != nil { // pure check: New starts nothing
		return errorf(d.Pos, "%v", err)
	}
	s.gzip, s.gzipPos = &c, d.Pos
	return nil
}
