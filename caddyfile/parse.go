package caddyfile

import (
	"fmt"
	"strings"
)

// File is a parsed Caddyfile: its sites in the order written.
type File struct {
	Sites []Site
}

// Site is one server block: the addresses it answers and its directives.
type Site struct {
	Addresses  []Address
	Directives []Directive
	Pos        Position
}

// Directive is one line of a site block, with its option block if it had one.
type Directive struct {
	Name    string
	Args    []string
	Options []Option // the lines of a "name args { ... }" block
	Pos     Position
	ArgPos  []Position // where each of Args starts, for errors about one

	unset []unsetArg // arguments with an environment placeholder that was empty
}

// Option is one line inside a directive's block.
type Option struct {
	Name string // lower case
	Args []string
	Pos  Position

	raw   string // Name as written, for blocks whose lines start with a path
	unset []unsetArg
}

// written is the option's name as the file has it.
func (o Option) written() string {
	if o.raw != "" {
		return o.raw
	}
	return o.Name
}

// ParseError is a syntax or meaning error at a place in the file.
type ParseError struct {
	Pos Position
	Msg string
}

// Error is the position followed by the message.
func (e *ParseError) Error() string { return e.Pos.String() + ": " + e.Msg }

// Parse reads Caddyfile text. name is used in error positions; env looks up
// {$VAR} placeholders (nil means os.Getenv).
func Parse(name string, src []byte, env func(string) string) (*File, error) {
	toks, err := lex(name, src, env)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, name: name}
	return p.file()
}

type parser struct {
	toks []token
	i    int
	name string
}

func (p *parser) eof() bool   { return p.i >= len(p.toks) }
func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

// is reports whether t is the unquoted punctuation s.
func is(t token, s string) bool { return !t.quoted && t.text == s }

func (p *parser) errAt(t token, format string, args ...any) error {
	return &ParseError{Pos: t.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) endPos() Position {
	if len(p.toks) == 0 {
		return Position{File: p.name, Line: 1, Col: 1}
	}
	last := p.toks[len(p.toks)-1]
	return Position{File: p.name, Line: last.pos.Line, Col: last.pos.Col + len(last.text)}
}

func (p *parser) file() (*File, error) {
	f := &File{}
	if p.eof() {
		return nil, &ParseError{Pos: p.endPos(), Msg: "empty Caddyfile: expected a site address"}
	}
	for !p.eof() {
		site, braced, err := p.site()
		if err != nil {
			return nil, err
		}
		if !braced && len(f.Sites) > 0 {
			return nil, &ParseError{Pos: site.Pos, Msg: "expected \"{\" after the site address: only a file with a single site may leave out the braces"}
		}
		f.Sites = append(f.Sites, site)
	}
	return f, nil
}

// site reads addresses, then either a braced block or, for a file with a
// single site, the directives up to the end of the file.
func (p *parser) site() (Site, bool, error) {
	first := p.peek()
	if is(first, "{") || is(first, "}") {
		return Site{}, false, p.errAt(first, "expected a site address, got %q", first.text)
	}
	s := Site{Pos: first.pos}
	line := first.pos.Line
	for !p.eof() {
		t := p.peek()
		if is(t, "{") {
			break
		}
		if t.pos.Line != line {
			break
		}
		p.next()
		if t.unset != "" {
			return s, false, p.errAt(t, "site address: {$%s} is not set or empty; set the environment variable, or write the address", t.unset)
		}
		for _, word := range strings.Split(t.text, ",") {
			if word == "" {
				continue
			}
			a, err := ParseAddress(word)
			if err != nil {
				return s, false, p.errAt(t, "%v", err)
			}
			s.Addresses = append(s.Addresses, a)
		}
		if strings.HasSuffix(t.text, ",") && !p.eof() {
			line = p.peek().pos.Line // the list goes on on the next line
		}
	}
	if len(s.Addresses) == 0 {
		return s, false, p.errAt(first, "expected a site address, got %q", first.text)
	}
	if !p.eof() && is(p.peek(), "{") {
		open := p.next()
		dirs, err := p.directives(open, true)
		s.Directives = dirs
		return s, true, err
	}
	dirs, err := p.directives(first, false)
	s.Directives = dirs
	return s, false, err
}

// directives reads directive lines until "}" (braced) or the end of file.
func (p *parser) directives(open token, braced bool) ([]Directive, error) {
	var dirs []Directive
	for {
		if p.eof() {
			if braced {
				return nil, &ParseError{Pos: p.endPos(), Msg: fmt.Sprintf("expected \"}\" to close the block opened at %s", open.pos)}
			}
			return dirs, nil
		}
		t := p.next()
		if braced && is(t, "}") {
			return dirs, nil
		}
		if is(t, "{") || is(t, "}") {
			return nil, p.errAt(t, "expected a directive, got %q", t.text)
		}
		if !t.newline && len(dirs) > 0 {
			return nil, p.errAt(t, "expected a new line before directive %q", t.text)
		}
		if t.unset != "" {
			return nil, p.errAt(t, "directive name: {$%s} is not set or empty", t.unset)
		}
		if t.text == "" {
			return nil, p.errAt(t, "expected a directive name, got an empty string")
		}
		d := Directive{Name: strings.ToLower(t.text), Pos: t.pos}
		for !p.eof() && !p.peek().newline {
			arg := p.next()
			if is(arg, "{") {
				if !p.eof() && !p.peek().newline {
					return nil, p.errAt(p.peek(), "expected a new line after \"{\", got %q", p.peek().text)
				}
				opts, err := p.options(arg)
				if err != nil {
					return nil, err
				}
				d.Options = opts
				break
			}
			if is(arg, "}") {
				return nil, p.errAt(arg, "unexpected \"}\" after directive %q", d.Name)
			}
			if arg.unset != "" {
				d.unset = append(d.unset, unsetArg{arg: len(d.Args), name: arg.unset, pos: arg.pos})
			}
			d.Args = append(d.Args, arg.text)
			d.ArgPos = append(d.ArgPos, arg.pos)
		}
		dirs = append(dirs, d)
	}
}

// options reads the lines of a directive's block up to its "}".
func (p *parser) options(open token) ([]Option, error) {
	var opts []Option
	for {
		if p.eof() {
			return nil, &ParseError{Pos: p.endPos(), Msg: fmt.Sprintf("expected \"}\" to close the block opened at %s", open.pos)}
		}
		t := p.next()
		if is(t, "}") {
			if !t.newline {
				return nil, p.errAt(t, "expected \"}\" on a line of its own")
			}
			return opts, nil
		}
		if is(t, "{") {
			return nil, p.errAt(t, "blocks do not nest here: unexpected \"{\"")
		}
		if t.unset != "" {
			return nil, p.errAt(t, "option name: {$%s} is not set or empty", t.unset)
		}
		if t.text == "" {
			return nil, p.errAt(t, "expected an option name, got an empty string")
		}
		o := Option{Name: strings.ToLower(t.text), raw: t.text, Pos: t.pos}
		for !p.eof() && !p.peek().newline {
			arg := p.next()
			if is(arg, "{") || is(arg, "}") {
				return nil, p.errAt(arg, "unexpected %q in the options of %q", arg.text, o.Name)
			}
			if arg.unset != "" {
				o.unset = append(o.unset, unsetArg{arg: len(o.Args), name: arg.unset, pos: arg.pos})
			}
			o.Args = append(o.Args, arg.text)
		}
		opts = append(opts, o)
	}
}
