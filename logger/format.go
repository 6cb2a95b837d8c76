package logger

import (
	"net/http"
	"net/textproto"
	"strings"

	"github.com/httpmw/httpmw/internal/cfgerr"
	"github.com/httpmw/httpmw/internal/httptoken"
)

// opKind is one piece of a compiled format.
type opKind uint8

const (
	opLiteral opKind = iota
	opRemote
	opHost
	opWhen
	opWhenISO
	opMethod
	opURI
	opPath
	opQuery
	opProto
	opScheme
	opStatus
	opSize
	opSizeCLF // Apache's %b: "-" for an empty body
	opLatency
	opLatencyMS
	opUser
	opRequestHeader
	opResponseHeader
	opRedactedRequestHeader // a credential: "REDACTED" when present
	opRedactedResponseHeader
)

// op is a literal or a placeholder; text is the literal, or the canonical
// header name for header placeholders.
type op struct {
	kind opKind
	text string
}

// format is a compiled Config.Format.
type format struct {
	ops     []op
	latency bool // a placeholder needs the time taken, hence a second clock read
}

// placeholders maps every plain placeholder name to its op.
var placeholders = map[string]opKind{
	"remote":     opRemote,
	"host":       opHost,
	"when":       opWhen,
	"when_iso":   opWhenISO,
	"method":     opMethod,
	"uri":        opURI,
	"path":       opPath,
	"query":      opQuery,
	"proto":      opProto,
	"scheme":     opScheme,
	"status":     opStatus,
	"size":       opSize,
	"latency":    opLatency,
	"latency_ms": opLatencyMS,
	"user":       opUser,
}

// commonOps is `%h %l %u %t "%r" %>s %b`; combinedOps adds
// ` "%{Referer}i" "%{User-agent}i"`.
var (
	commonOps = []op{
		{kind: opRemote}, {kind: opLiteral, text: " - "}, {kind: opUser},
		{kind: opLiteral, text: " ["}, {kind: opWhen}, {kind: opLiteral, text: `] "`},
		{kind: opMethod}, {kind: opLiteral, text: " "}, {kind: opURI}, {kind: opLiteral, text: " "},
		{kind: opProto}, {kind: opLiteral, text: `" `}, {kind: opStatus}, {kind: opLiteral, text: " "},
		{kind: opSizeCLF},
	}
	combinedOps = append(commonOps[:len(commonOps):len(commonOps)], // a copy, not an alias
		op{kind: opLiteral, text: ` "`}, op{kind: opRequestHeader, text: "Referer"},
		op{kind: opLiteral, text: `" "`}, op{kind: opRequestHeader, text: "User-Agent"},
		op{kind: opLiteral, text: `"`})
)

// parseFormat compiles a format. "" means Common. Errors wrap
// ErrUnknownPlaceholder or ErrBadFormat and name Config.Format.
func parseFormat(s string) (*format, error) {
	if s == "" {
		s = Common
	}
	f := &format{}
	lit := -1 // start of the pending literal, -1 when none
	flush := func(end int) {
		if lit >= 0 && end > lit {
			f.add(op{kind: opLiteral, text: s[lit:end]})
		}
		lit = -1
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c != '{' {
			if (c < 0x20 && c != '\t') || c == 0x7f {
				// A newline here would split every line in two.
				return nil, cfgerr.New("logger", "Config.Format", "%w: control character %q at offset %d", ErrBadFormat, c, i)
			}
			if lit < 0 {
				lit = i
			}
			i++
			continue
		}
		end := strings.IndexByte(s[i+1:], '}')
		if end < 0 {
			return nil, cfgerr.New("logger", "Config.Format", "%w: unclosed \"{\" at offset %d", ErrBadFormat, i)
		}
		flush(i)
		name := s[i+1 : i+1+end]
		ops, err := placeholderOps(name)
		if err != nil {
			return nil, err
		}
		for _, o := range ops {
			f.add(o)
		}
		i += end + 2
	}
	flush(len(s))
	return f, nil
}

// add appends o, merging adjacent literals.
func (f *format) add(o op) {
	if n := len(f.ops); n > 0 && o.kind == opLiteral && f.ops[n-1].kind == opLiteral {
		f.ops[n-1].text += o.text
		return
	}
	switch o.kind {
	case opLatency, opLatencyMS:
		f.latency = true
	case opRequestHeader, opResponseHeader:
		if sensitiveHeaders[o.text] {
			o.kind += opRedactedRequestHeader - opRequestHeader
		}
	}
	f.ops = append(f.ops, o)
}

func placeholderOps(name string) ([]op, error) {
	switch name {
	case "common":
		return commonOps, nil
	case "combined":
		return combinedOps, nil
	}
	if k, ok := placeholders[name]; ok {
		return []op{{kind: k}}, nil
	}
	if len(name) > 1 && (name[0] == '>' || name[0] == '<') && httptoken.IsToken(name[1:]) {
		kind := opRequestHeader
		if name[0] == '<' {
			kind = opResponseHeader
		}
		return []op{{kind: kind, text: textproto.CanonicalMIMEHeaderKey(name[1:])}}, nil
	}
	return nil, cfgerr.New("logger", "Config.Format", "%w %q", ErrUnknownPlaceholder, "{"+name+"}")
}

// sensitiveHeaders are never written, whatever the format asks: their
// values are credentials.
var sensitiveHeaders = map[string]bool{
	"Authorization":       true,
	"Proxy-Authorization": true,
	"Cookie":              true,
	"Set-Cookie":          true,
}

// headerValue is the first value of a header in canonical form, without the
// allocation Header.Get may make.
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}
