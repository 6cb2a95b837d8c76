package caddyfile

import (
	"github.com/httpmw/httpmw/inner"
)

// setupInternal reads Caddy 0.7's internal directive:
//
//	internal /path
//
// Requests for the path (and below) get 404; a backend reaches it by
// answering with an X-Accel-Redirect header naming a path there (see
// package inner). A site may have several internal lines. As in Caddy
// 0.7, rewrite runs first: a rewrite to an internal path gets 404 too.
func setupInternal(s *siteConfig, d Directive) error {
	if err := checkArgs(d, 1, 1, "internal path"); err != nil {
		return err
	}
	if err := noOptions(d); err != nil {
		return err
	}
	if _, err := inner.New(inner.Config{Paths: d.Args}); err != nil {
		return errorf(argPos(d, 0), "internal: %v", err)
	}
	if len(s.internal) == 0 {
		s.innerPos = d.Pos
	}
	s.internal = append(s.internal, d.Args[0])
	return nil
}
