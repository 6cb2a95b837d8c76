package caddyfile

import (
	"strconv"
	"strings"

	"github.com/httpmw/httpmw/redir"
)

// setupRedir reads Caddy 0.7's redir directive:
//
//	redir to                   # every request, 301
//	redir to code              # every request
//	redir from to [code]
//	redir [code] {             # code: the default for the block's lines
//		from to [code]
//		to                     # every other request
//	}
//
// code is 301 (the default), 302, 303, 307, 308 or 300. from is a path,
// matched exactly ("/" matches every request); the first matching line
// wins. to may use {uri}, {path}, {query}, {host} and {scheme}; a to
// without a scheme or "//" stays on the requested host whatever the
// request holds (see package redir). httpmw also reads "redir from to"
// (Caddy 0.7 wanted the code there). Caddy's "meta" (an HTML refresh
// page) is not supported.
func setupRedir(s *siteConfig, d Directive) error {
	if len(d.Options) > 0 {
		if err := checkArgs(d, 0, 1, "redir [code] { from to [code] }"); err != nil {
			return err
		}
		code := 0
		if len(d.Args) == 1 {
			c, err := redirCode(d.Args[0], argPos(d, 0))
			if err != nil {
				return err
			}
			code = c
		}
		for _, o := range d.Options {
			args := append([]string{o.written()}, o.Args...) // paths are case-sensitive
			r := redir.Rule{Code: code}
			switch len(args) {
			case 1:
				r.From, r.To = "/", args[0]
			case 2, 3:
				r.From, r.To = args[0], args[1]
				if len(args) == 3 {
					c, err := redirCode(args[2], o.Pos)
					if err != nil {
						return err
					}
					r.Code = c
				}
			default:
				return errorf(o.Pos, "redir: expected \"from to [code]\", got %d words", len(args))
			}
			if err := s.addRedirect(r, o.Pos); err != nil {
				return err
			}
		}
		return nil
	}
	if err := checkArgs(d, 1, 3, "redir [from] to [code]"); err != nil {
		return err
	}
	r := redir.Rule{From: "/", To: d.Args[0]}
	switch len(d.Args) {
	case 2:
		if isCodeWord(d.Args[1]) {
			c, err := redirCode(d.Args[1], argPos(d, 1))
			if err != nil {
				return err
			}
			r.Code = c
		} else {
			r.From, r.To = d.Args[0], d.Args[1]
		}
	case 3:
		r.From, r.To = d.Args[0], d.Args[1]
		c, err := redirCode(d.Args[2], argPos(d, 2))
		if err != nil {
			return err
		}
		r.Code = c
	}
	return s.addRedirect(r, d.Pos)
}

// isCodeWord reports whether a second argument is meant as a status:
// digits, or Caddy's "meta".
func isCodeWord(s string) bool {
	if s == "meta" {
		return true
	}
	_, err := strconv.Atoi(s)
	return err == nil
}

func redirCode(s string, pos Position) (int, error) {
	if s == "meta" {
		return 0, errorf(pos, "redir: meta (an HTML refresh page) is not supported by httpmw; use a status code")
	}
	c, err := strconv.Atoi(s)
	if err != nil || c < 300 || c > 308 {
		return 0, errorf(pos, "redir: expected a redirect code (301, 302, 303, 307, 308, 300), got %q", s)
	}
	return c, nil
}

// addRedirect checks r with the site's earlier redirects (a from written
// twice is an error, as in Caddy) and keeps it.
func (s *siteConfig) addRedirect(r redir.Rule, pos Position) error {
	if !strings.HasPrefix(r.From, "/") {
		return errorf(pos, "redir: from must be a path starting with /, got %q", r.From)
	}
	cfg := redir.Config{Rules: append(append([]redir.Rule(nil), s.redirects.Rules...), r)}
	if _, err := redir.New(cfg); err != nil {
		return errorf(pos, "%v", err)
	}
	s.redirects = cfg
	return nil
}
