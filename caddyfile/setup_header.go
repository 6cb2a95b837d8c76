package caddyfile

import (
	"strings"

	"github.com/httpmw/httpmw/header"
)

// setupHeader reads Caddy 0.7's header directive:
//
//	header path Name value
//	header path -Name          # removes the header
//	header path {
//		Name value
//		+Name value            # adds a value beside what is there (httpmw)
//		>Name value            # sets it over what the handler sets (Caddy 2)
//		-Name
//	}
//
// Every header line whose path matches a request applies, in the order
// written; lines with the same path add to one rule, as in Caddy. A
// value with spaces is quoted. Headers are set before the handlers after
// this one run (which may replace them, as in Caddy 0.7) and are on error
// pages too; ">Name" and removals also win over what those handlers set
// (see package header).
func setupHeader(s *siteConfig, d Directive) error {
	if err := checkArgs(d, 1, 3, "header path [name [value]]"); err != nil {
		return err
	}
	path := d.Args[0]
	if !strings.HasPrefix(path, "/") {
		return errorf(argPos(d, 0), "header: expected a path starting with /, got %q", path)
	}
	var fields []header.Field
	var at []Position
	if len(d.Args) > 1 {
		if len(d.Options) > 0 {
			return errorf(d.Options[0].Pos, "header: a header on the line and a block: use one or the other")
		}
		f, err := headerField(d.Args[1], d.Args[2:], argPos(d, 1))
		if err != nil {
			return err
		}
		fields, at = append(fields, f), append(at, argPos(d, 1))
	}
	for _, o := range d.Options {
		f, err := headerField(o.written(), o.Args, o.Pos)
		if err != nil {
			return err
		}
		fields, at = append(fields, f), append(at, o.Pos)
	}
	if len(fields) == 0 {
		return errorf(d.Pos, "header: expected a header, on the line (header %s Name value) or in a block", path)
	}
	// Check each field alone, so an error points at its line.
	for i, f := range fields {
		if _, err := header.New(header.Config{Rules: []header.Rule{{Path: path, Fields: []header.Field{f}}}}); err != nil {
			return errorf(at[i], "%v", err)
		}
	}
	if s.headers == nil {
		s.headers, s.headerPos = &header.Config{}, d.Pos
	}
	for i := range s.headers.Rules {
		if r := &s.headers.Rules[i]; r.Path == path {
			r.Fields = append(r.Fields, fields...)
			return nil
		}
	}
	s.headers.Rules = append(s.headers.Rules, header.Rule{Path: path, Fields: fields})
	return nil
}

// headerField reads "Name value", "+Name value" or "-Name".
func headerField(name string, args []string, pos Position) (header.Field, error) {
	if strings.HasPrefix(name, "-") {
		if len(args) > 0 {
			return header.Field{}, errorf(pos, "header: %s removes a header and takes no value, got %q", name, args[0])
		}
		return header.Field{Name: name}, nil
	}
	if len(args) != 1 {
		return header.Field{}, errorf(pos, "header: %s: expected one value (quote a value with spaces), got %d", name, len(args))
	}
	return header.Field{Name: name, Value: args[0]}, nil
}
