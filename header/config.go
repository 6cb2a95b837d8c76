package header

import (
	"fmt"
	"strings"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/cfgerr"
	"github.com/httpmw/httpmw/internal/httptoken"
)

func invalid(field, format string, args ...any) error {
	return cfgerr.New("header", "Config."+field, format, args...)
}

// Config lists the header rules. Its zero value changes nothing.
type Config struct {
	// Rules are applied in order; every rule whose Path matches the
	// request applies, so a later rule can override an earlier one.
	Rules []Rule
}

// Rule edits the response headers of the requests under one path.
type Rule struct {
	// Path is the request path prefix the rule covers, matched as
	// httpmw.Path does (whole segments, cleaned): "/" or "" is every path.
	Path string

	// Fields are the edits, in order. Their Name says what to do, as in a
	// Caddyfile: "Name" sets the header to Value (replacing what was
	// there; the handler may still set its own, as in Caddy 0.7),
	// "+Name" adds Value beside any value already there, ">Name" sets
	// Value just before the header is sent, over whatever the handler set
	// (Caddy 2's deferred set), and "-Name" removes the header, also
	// when the handler set it (Value is ignored).
	Fields []Field
}

// Field is one header edit of a Rule.
type Field struct {
	Name  string // "Name", "+Name", ">Name" or "-Name"
	Value string
}

type op uint8

const (
	opSet op = iota
	opAdd
	opDel
	opLate // set at WriteHeader time
)

// edit is a validated Field.
type edit struct {
	op    op
	name  string // canonical
	value string
}

// rule is a validated Rule.
type rule struct {
	path  httpmw.Path
	all   bool
	edits []edit
	late  bool // has removals or late sets, applied again at WriteHeader
}

func (c Config) rules() ([]rule, error) {
	var out []rule
	for i, r := range c.Rules {
		if r.Path != "" && !strings.HasPrefix(r.Path, "/") {
			return nil, invalid(fmt.Sprintf("Rules[%d].Path", i), "%q: must start with /", r.Path)
		}
		if len(r.Fields) == 0 {
			return nil, invalid(fmt.Sprintf("Rules[%d].Fields", i), "no header to set, add or remove")
		}
		cr := rule{path: httpmw.Path{Base: r.Path}, all: r.Path == "" || r.Path == "/"}
		for j, f := range r.Fields {
			field := fmt.Sprintf("Rules[%d].Fields[%d]", i, j)
			e := edit{op: opSet, name: f.Name, value: f.Value}
			switch {
			case strings.HasPrefix(f.Name, "-"):
				e.op, e.name, e.value = opDel, f.Name[1:], ""
				cr.late = true
			case strings.HasPrefix(f.Name, "+"):
				e.op, e.name = opAdd, f.Name[1:]
			case strings.HasPrefix(f.Name, ">"):
				e.op, e.name = opLate, f.Name[1:]
				cr.late = true
			}
			if !httptoken.IsToken(e.name) {
				return nil, invalid(field+".Name", "%q is not a valid header name", f.Name)
			}
			if e.op != opDel && !validValue(e.value) {
				return nil, invalid(field+".Value", "must not hold control characters other than tab")
			}
			e.name = canonical(e.name)
			cr.edits = append(cr.edits, e)
		}
		out = append(out, cr)
	}
	return out, nil
}

// validValue refuses CR, LF, NUL and the other controls, which would split
// or corrupt the response header.
func validValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
