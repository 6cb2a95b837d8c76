package caddyfile

import (
	"io"
	"os"
	"strconv"

	"github.com/httpmw/httpmw/errorpage"
)

// setupErrors reads Caddy 0.7's errors directive:
//
//	errors                 # log errors to stderr
//	errors visible         # show error text in the page (development only)
//	errors file            # log errors to file (or stdout, stderr)
//	errors {
//		404 404.html       # page files, relative to the site root
//		500 500.html
//		log file | visible
//	}
//
// Errors and recovered panics are logged one per line in Caddy's format;
// a file is opened for appending. Caddy's log rotation block and syslog
// are not supported here.
func setupErrors(s *siteConfig, d Directive) error {
	if err := checkArgs(d, 0, 1, "errors [file|visible]"); err != nil {
		return err
	}
	if s.errors != nil {
		return errorf(d.Pos, "errors: set twice in one site (first at %s)", s.errors.pos)
	}
	e := &errorsDirective{pos: d.Pos, logPos: d.Pos}
	if len(d.Args) == 1 {
		if err := e.setLog(d.Args[0], argPos(d, 0)); err != nil {
			return err
		}
	}
	for _, o := range d.Options {
		if o.Name == "log" {
			if err := checkOptionArgs("errors", o, 1, 1, "log file|visible"); err != nil {
				return err
			}
			if err := e.setLog(o.Args[0], o.Pos); err != nil {
				return err
			}
			continue
		}
		status, err := strconv.Atoi(o.Name)
		if err != nil || status < 400 || status > 599 {
			return errorf(o.Pos, "errors: expected a status code from 400 to 599 or log, got %q", o.Name)
		}
		if err := checkOptionArgs("errors", o, 1, 1, o.Name+" file"); err != nil {
			return err
		}
		if e.cfg.Pages == nil {
			e.cfg.Pages = map[int]string{}
		}
		if _, dup := e.cfg.Pages[status]; dup {
			return errorf(o.Pos, "errors: a page for %d is set twice", status)
		}
		e.cfg.Pages[status] = o.Args[0]
	}
	// The pages' names are checked now; the root and the files later (a
	// deploy may bring them).
	probe := errorpage.Config{Root: "/", Pages: e.cfg.Pages}
	p, err := errorpage.New(probe)
	if err != nil {
		return errorf(d.Pos, "errors: %v", err)
	}
	p.Close()
	s.errors = e
	return nil
}

// setLog reads the log target: visible, or a file name.
func (e *errorsDirective) setLog(v string, pos Position) error {
	switch v {
	case "visible":
		e.cfg.Visible = true
	case "":
		return errorf(pos, "errors: expected a log file, stdout, stderr or visible, got an empty string")
	case "syslog":
		return errorf(pos, "errors: syslog is not supported by httpmw; name a file, stdout or stderr")
	default:
		e.logFile, e.logPos = v, pos
	}
	return nil
}

// build opens the error log and makes the middleware for a site served
// from root; what it opens is appended to *closers.
func (e *errorsDirective) build(root string, closers *[]io.Closer) (*errorpage.Pages, error) {
	cfg := e.cfg
	cfg.Root = root
	switch e.logFile {
	case "", "stderr":
		cfg.Log = os.Stderr
	case "stdout":
		cfg.Log = os.Stdout
	default:
		f, err := os.OpenFile(e.logFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
		if err != nil {
			return nil, errorf(e.logPos, "errors: log: %v", err)
		}
		*closers = append(*closers, f)
		cfg.Log = f
	}
	pages, err := errorpage.New(cfg)
	if err != nil {
		return nil, errorf(e.pos, "errors: %v", err)
	}
	*closers = append(*closers, pages)
	return pages, nil
}
