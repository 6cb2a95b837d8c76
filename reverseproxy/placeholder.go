package reverseproxy

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/httpmw/httpmw/internal/cfgerr"
	"github.com/httpmw/httpmw/internal/httptoken"
)

// template is a header value with placeholders, parsed once by New.
type template struct {
	literal string // the whole value when it has no placeholder
	parts   []part
}

type part struct {
	kind placeholder
	text string // the literal text, or the header name for {>Name} and {<Name}
}

type placeholder int

const (
	phLiteral placeholder = iota
	phHost
	phHostOnly
	phMethod
	phScheme
	phProto
	phURI
	phPath
	phQuery
	phRemote
	phRemotePort
	phUpstream
	phRequestHeader
	phResponseHeader
)

// placeholderNamed returns the placeholder called name, if there is one.
func placeholderNamed(name string) (placeholder, bool) {
	switch name {
	case "host":
		return phHost, true
	case "hostonly":
		return phHostOnly, true
	case "method":
		return phMethod, true
	case "scheme":
		return phScheme, true
	case "proto":
		return phProto, true
	case "uri":
		return phURI, true
	case "path":
		return phPath, true
	case "query":
		return phQuery, true
	case "remote":
		return phRemote, true
	case "remote_port":
		return phRemotePort, true
	case "upstream":
		return phUpstream, true
	}
	return phLiteral, false
}

// errPlaceholder is wrapped by the errors compileTemplate returns.
var errPlaceholder = errors.New("bad placeholder")

// compileTemplate parses s. Braces that enclose no name ("{" with no "}"
// after it, "}" with no "{" before it) are literal text; the innermost
// "{name}" must name a known placeholder. Response headers ({<Name}) are
// allowed only when response is true.
func compileTemplate(s string, response bool) (template, error) {
	if !strings.Contains(s, "{") {
		return template{literal: s}, nil
	}
	var t template
	rest := s
	for rest != "" {
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			t.parts = append(t.parts, part{text: rest})
			break
		}
		open := strings.LastIndexByte(rest[:end], '{')
		if open < 0 { // a "}" alone is text
			t.parts = append(t.parts, part{text: rest[:end+1]})
			rest = rest[end+1:]
			continue
		}
		if open > 0 {
			t.parts = append(t.parts, part{text: rest[:open]})
		}
		p, err := placeholderPart(rest[open+1:end], response)
		if err != nil {
			return template{}, err
		}
		t.parts = append(t.parts, p)
		rest = rest[end+1:]
	}
	return t, nil
}

func placeholderPart(name string, response bool) (part, error) {
	if kind, ok := placeholderNamed(name); ok {
		if kind == phUpstream && !response {
			// The upstream is picked after the request headers are edited
			// (and again on a retry), so it can only be named downstream.
			return part{}, fmt.Errorf("%w {%s}: known only in HeaderDown", errPlaceholder, name)
		}
		return part{kind: kind}, nil
	}
	if len(name) > 1 && (name[0] == '>' || name[0] == '<') {
		h := name[1:]
		if !httptoken.IsToken(h) {
			return part{}, fmt.Errorf("%w {%s}: invalid header name", errPlaceholder, name)
		}
		if name[0] == '<' {
			if !response {
				return part{}, fmt.Errorf("%w {%s}: response headers exist only in HeaderDown", errPlaceholder, name)
			}
			return part{kind: phResponseHeader, text: textproto.CanonicalMIMEHeaderKey(h)}, nil
		}
		return part{kind: phRequestHeader, text: textproto.CanonicalMIMEHeaderKey(h)}, nil
	}
	return part{}, fmt.Errorf("%w {%s}: unknown", errPlaceholder, name)
}

// fill is what placeholders are filled from.
type fill struct {
	req      *http.Request // the client's request
	res      *http.Response
	upstream string
}

// render returns the value for one request. A value without placeholders
// costs nothing. Control characters that a placeholder brought in (a
// decoded %0A in {path}, say) are dropped: they would split the header.
func (t *template) render(f *fill) string {
	if t.parts == nil {
		return t.literal
	}
	var b strings.Builder
	for _, p := range t.parts {
		v := p.value(f)
		if strings.IndexFunc(v, isControl) < 0 {
			b.WriteString(v)
			continue
		}
		for i := 0; i < len(v); i++ {
			if !isControl(rune(v[i])) {
				b.WriteByte(v[i])
			}
		}
	}
	return b.String()
}

func isControl(c rune) bool { return c < 0x20 && c != '\t' || c == 0x7f }

func (p *part) value(f *fill) string {
	r := f.req
	switch p.kind {
	case phLiteral:
		return p.text
	case phHost:
		return r.Host
	case phHostOnly:
		if h, _, err := net.SplitHostPort(r.Host); err == nil {
			return h
		}
		return r.Host
	case phMethod:
		return r.Method
	case phScheme:
		if r.TLS != nil {
			return "https"
		}
		return "http"
	case phProto:
		return r.Proto
	case phURI:
		return r.RequestURI
	case phPath:
		return r.URL.Path
	case phQuery:
		return r.URL.RawQuery
	case phRemote:
		if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			return h
		}
		return r.RemoteAddr
	case phRemotePort:
		if _, port, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			return port
		}
		return ""
	case phUpstream:
		return f.upstream
	case phRequestHeader:
		return strings.Join(r.Header[p.text], ", ")
	case phResponseHeader:
		if f.res != nil {
			return strings.Join(f.res.Header[p.text], ", ")
		}
	}
	return ""
}

// headerRule is a HeaderRule ready to apply.
type headerRule struct {
	op    HeaderOp
	name  string // canonical
	value template
}

func compileRules(field string, rules []HeaderRule, response bool) ([]headerRule, error) {
	out := make([]headerRule, 0, len(rules))
	for i, r := range rules {
		if !httptoken.IsToken(r.Name) {
			return nil, cfgerr.New("reverseproxy", fmt.Sprintf("Config.%s[%d].Name", field, i), "invalid header name %q", r.Name)
		}
		if r.Op < HeaderSet || r.Op > HeaderDelete {
			return nil, cfgerr.New("reverseproxy", fmt.Sprintf("Config.%s[%d].Op", field, i), "unknown operation %d", r.Op)
		}
		if strings.ContainsAny(r.Value, "\r\n\x00") {
			return nil, cfgerr.New("reverseproxy", fmt.Sprintf("Config.%s[%d].Value", field, i), "must not contain CR, LF or NUL")
		}
		t, err := compileTemplate(r.Value, response)
		if err != nil {
			return nil, cfgerr.New("reverseproxy", fmt.Sprintf("Config.%s[%d].Value", field, i), "%w", err)
		}
		out = append(out, headerRule{op: r.Op, name: textproto.CanonicalMIMEHeaderKey(r.Name), value: t})
	}
	return out, nil
}

// apply edits h by the rules. A rule on Host sets *host instead, when
// host is not nil (the request's Host lives outside its header map).
func apply(rules []headerRule, h http.Header, host *string, f *fill) {
	for i := range rules {
		r := &rules[i]
		if host != nil && r.name == "Host" {
			if r.op != HeaderDelete {
				*host = r.value.render(f)
			}
			continue
		}
		switch r.op {
		case HeaderSet:
			h[r.name] = []string{r.value.render(f)}
		case HeaderAdd:
			h[r.name] = append(h[r.name], r.value.render(f))
		case HeaderDelete:
			delete(h, r.name)
		}
	}
}

// setsHost reports whether a rule sets or adds Host. Such a rule decides
// the Host sent upstream, so Config.UpstreamHost gives way to it.
func setsHost(rules []headerRule) bool {
	for i := range rules {
		if rules[i].name == "Host" && rules[i].op != HeaderDelete {
			return true
		}
	}
	return false
}
