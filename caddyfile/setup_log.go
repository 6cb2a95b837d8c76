package caddyfile

import (
	"io"
	"strings"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/logger"
)

// DefaultLogFile is where "log" with no arguments writes, as in Caddy 0.7.
const DefaultLogFile = "access.log"

// setupLog reads Caddy 0.7's log directive:
//
//	log                       # every request, to access.log, {common}
//	log file                  # every request, to file
//	log path file [format]    # requests under path
//
// file is a path, or stdout or stderr; a file named like a placeholder
// ("log /api {combined}", path and format with the file left out) is an
// error. format is {common} (the default),
// {combined}, or a template of placeholders ({remote} {when} {method}
// {uri} {proto} {status} {size} {latency} {>Header} ...; see package
// logger). A site may have several log lines, one per path.
func setupLog(s *siteConfig, d Directive) error {
	if err := checkArgs(d, 0, 3, "log [[path] file [format]]"); err != nil {
		return err
	}
	if err := noOptions(d); err != nil {
		return err
	}
	c := logger.Config{File: DefaultLogFile, Format: logger.Common}
	switch len(d.Args) {
	case 1:
		c.File = d.Args[0]
	case 2, 3:
		c.Path = httpmw.Path{Base: d.Args[0]}
		c.File = d.Args[1]
		if len(d.Args) == 3 {
			c.Format = d.Args[2]
		}
	}
	if c.File == "" {
		return errorf(argPos(d, len(d.Args)-1), "log: expected a file name, stdout or stderr, got an empty string")
	}
	if looksLikeFormat(c.File) {
		// "log /path {combined}" reads as path and file: Caddy 0.7 wrote a
		// file named {combined}. Nobody wants that file, and -validate has
		// no warnings, so it is an error that shows the right order.
		return errorf(argPos(d, len(d.Args)-1), "log: file name %q looks like a log format; the order is \"log path file [format]\", e.g. \"log / access.log %s\"", c.File, c.File)
	}
	// Check the format now, writing nowhere, so a bad placeholder is a
	// parse error at this line rather than a failure after other parts
	// have started.
	probe := c
	probe.File, probe.Output = "", io.Discard
	l, err := logger.New(probe)
	if err != nil {
		return errorf(argPos(d, 2), "log: %v", err) // only the format can be wrong
	}
	l.Close()
	s.logs = append(s.logs, logDirective{cfg: c, pos: d.Pos})
	return nil
}

// looksLikeFormat reports whether a log file name is a placeholder such as
// {combined} or {remote}, which belongs in the format argument.
func looksLikeFormat(file string) bool {
	return strings.HasPrefix(file, "{") && strings.Contains(file, "}")
}
