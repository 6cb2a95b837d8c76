package caddyfile

import "strings"

// setupExt reads Caddy 0.7's ext directive, for clean URLs:
//
//	ext .html .htm
//
// A request for /about is served /about.html if that file exists under
// the site root, else /about.htm; a path with an extension or a trailing
// slash is left alone. Access logs still show the path the client asked.
// Several ext lines add to the list.
func setupExt(s *siteConfig, d Directive) error {
	if err := checkArgs(d, 1, -1, "ext .extension..."); err != nil {
		return err
	}
	if err := noOptions(d); err != nil {
		return err
	}
	for i, e := range d.Args {
		if len(e) < 2 || e[0] != '.' || strings.ContainsAny(e, "/\\") {
			return errorf(argPos(d, i), "ext: expected an extension such as .html, got %q", e)
		}
	}
	if len(s.exts) == 0 {
		s.extPos = d.Pos
	}
	s.exts = append(s.exts, d.Args...)
	return nil
}
