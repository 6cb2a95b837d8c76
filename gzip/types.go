package gzip

import (
	"fmt"

	"github.com/httpmw/httpmw/internal/ascii"
	"github.com/httpmw/httpmw/internal/httptoken"
)

// typePattern is one media type pattern of Config.Types or SkipTypes:
// "text/html", "text/*", "application/*+json", "*/*".
type typePattern struct {
	typ    string // lower case; "" matches any type
	sub    string // lower case; "" matches any subtype
	suffix bool   // sub is a structured-syntax suffix such as "+json"
}

// typeSet is a list of patterns; a media type is in it if any matches.
type typeSet []typePattern

func parseTypeSet(list []string) (typeSet, error) {
	set := make(typeSet, 0, len(list))
	for _, raw := range list {
		if raw == "*" {
			set = append(set, typePattern{})
			continue
		}
		typ, sub := cutByte(ascii.ToLower(raw), '/')
		var p typePattern
		switch {
		case typ == "*":
		case httptoken.IsToken(typ):
			p.typ = typ
		default:
			return nil, fmt.Errorf("%q: want type/subtype, type/* or */*", raw)
		}
		switch {
		case sub == "*":
		case len(sub) > 2 && sub[0] == '*' && sub[1] == '+' && httptoken.IsToken(sub[1:]):
			p.sub, p.suffix = sub[1:], true
		case httptoken.IsToken(sub) && sub != "":
			p.sub = sub
		default:
			return nil, fmt.Errorf("%q: want type/subtype, type/* or */*", raw)
		}
		set = append(set, p)
	}
	return set, nil
}

// contains reports whether the Content-Type value ct, parameters and
// case aside, matches a pattern of s.
func (s typeSet) contains(ct string) bool {
	mt, _ := cutByte(ct, ';')
	typ, sub := cutByte(trimOWS(mt), '/')
	for _, p := range s {
		if p.typ != "" && !ascii.EqualFold(typ, p.typ) {
			continue
		}
		switch {
		case p.sub == "":
			return true
		case p.suffix:
			if len(sub) > len(p.sub) && ascii.EqualFold(sub[len(sub)-len(p.sub):], p.sub) {
				return true
			}
		case ascii.EqualFold(sub, p.sub):
			return true
		}
	}
	return false
}
