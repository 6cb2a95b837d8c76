package caddyfile

import (
	"fmt"
	"sort"
	"strings"
)

// directive is one Caddyfile directive: its setup reads a Directive into the
// site being built. Setups only check and record; nothing is opened or
// started until the whole file is valid (see build).
type directive struct {
	name  string
	setup func(s *siteConfig, d Directive) error
}

// directiveOrder is Caddy 0.7's chaining order for the directives httpmw has:
// root and git prepare the site, then the middleware from the outside in
// (log, gzip, errors, header, rewrite, redir, ext, basicauth, internal,
// proxy, fastcgi, browse), and
// the file server ends the chain.
// A file may list directives in any order; this order is what the chain uses.
var directiveOrder = []directive{
	{"root", setupRoot},
	{"git", setupGit},
	{"log", setupLog},
	{"gzip", setupGzip},
	{"errors", setupErrors},
	{"header", setupHeader},
	{"rewrite", setupRewrite},
	{"redir", setupRedir},
	{"ext", setupExt},
	{"basicauth", setupBasicauth},
	{"internal", setupInternal},
	{"proxy", setupProxy},
	{"fastcgi", setupFastCGI},
	{"browse", setupBrowse},
}

func lookupDirective(name string) (directive, bool) {
	for _, d := range directiveOrder {
		if d.name == name {
			return d, true
		}
	}
	return directive{}, false
}

// caddy07Only are the directives of Caddy 0.7 (its config/directives.go,
// v0.7.0 to v0.7.6) that httpmw does not build. A file that uses one is
// refused by name, so a user learns at -validate time that it would not
// run, rather than reading "unknown directive" for a valid Caddy 0.7 file.
var caddy07Only = []string{
	"tls", "bind", "startup", "shutdown",
	"websocket", "markdown", "templates",
}

// unknownDirective is the error for a directive no setup reads.
func unknownDirective(d Directive) error {
	for _, name := range caddy07Only {
		if d.Name == name {
			return errorf(d.Pos, "%s (line %d): a Caddy 0.7 directive not supported by httpmw; the directives that run are: %s",
				d.Name, d.Pos.Line, directiveNames())
		}
	}
	return errorf(d.Pos, "unknown directive %q; the directives are: %s", d.Name, directiveNames())
}

// directiveNames lists the known directives, for the unknown-directive error.
func directiveNames() string {
	var names []string
	for _, d := range directiveOrder {
		names = append(names, d.name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// errorf makes a ParseError at pos.
func errorf(pos Position, format string, args ...any) error {
	return &ParseError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// argPos is where d's argument i starts, or the directive's position when
// d was built without argument positions.
func argPos(d Directive, i int) Position {
	if i < len(d.ArgPos) {
		return d.ArgPos[i]
	}
	return d.Pos
}

// checkArgs fails unless d has between min and max arguments (max < 0: no
// limit); usage is the directive's syntax, shown in the error.
func checkArgs(d Directive, min, max int, usage string) error {
	n := len(d.Args)
	if n < min || (max >= 0 && n > max) {
		pos := d.Pos
		if max >= 0 && n > max {
			pos = argPos(d, max) // the first argument too many
		}
		return errorf(pos, "%s: expected %q, got %d argument(s)", d.Name, usage, n)
	}
	return nil
}

// checkOptionArgs is checkArgs for a line of an option block.
func checkOptionArgs(dir string, o Option, min, max int, usage string) error {
	n := len(o.Args)
	if n < min || (max >= 0 && n > max) {
		return errorf(o.Pos, "%s: option %s: expected %q, got %d argument(s)", dir, o.Name, usage, n)
	}
	return nil
}

// unknownOption is the error for an option a directive does not have.
func unknownOption(dir string, o Option, known ...string) error {
	return errorf(o.Pos, "%s: unknown option %q; expected one of: %s", dir, o.Name, strings.Join(known, ", "))
}

// noOptions fails when d has an option block it cannot use.
func noOptions(d Directive) error {
	if len(d.Options) > 0 {
		return errorf(d.Options[0].Pos, "%s: takes no option block", d.Name)
	}
	return nil
}
