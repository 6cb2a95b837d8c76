package logger

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// entry is what one request left behind for its log line.
type entry struct {
	r      *http.Request
	header http.Header // the response header
	start  time.Time
	dur    time.Duration
	status int
	size   int64
}

// appendLine appends e's line, newline included, to b.
func (l *Logger) appendLine(b []byte, e *entry) []byte {
	r := e.r
	for _, o := range l.format.ops {
		switch o.kind {
		case opLiteral:
			b = append(b, o.text...)
		case opRemote:
			b = l.appendClient(b, r)
		case opHost:
			b = appendField(b, r.Host)
		case opWhen:
			b = append(b, l.clock.stamp(e.start).clf[:]...)
		case opWhenISO:
			b = append(b, l.clock.stamp(e.start).iso[:]...)
		case opMethod:
			b = appendField(b, r.Method)
		case opURI:
			b = l.appendURI(b, r, true)
		case opPath:
			b = appendField(b, r.URL.Path)
		case opQuery:
			if r.URL.RawQuery == "" {
				b = append(b, '-')
			} else {
				b = l.redact.appendQuery(b, r.URL.RawQuery, true)
			}
		case opProto:
			b = appendField(b, r.Proto)
		case opScheme:
			if r.TLS != nil {
				b = append(b, "https"...)
			} else {
				b = append(b, "http"...)
			}
		case opStatus:
			b = strconv.AppendInt(b, int64(e.status), 10)
		case opSize:
			b = strconv.AppendInt(b, e.size, 10)
		case opSizeCLF:
			if e.size == 0 {
				b = append(b, '-')
			} else {
				b = strconv.AppendInt(b, e.size, 10)
			}
		case opLatency:
			b = appendDuration(b, e.dur)
		case opLatencyMS:
			b = strconv.AppendInt(b, e.dur.Milliseconds(), 10)
		case opUser:
			b = appendUser(b, r)
		case opRequestHeader:
			b = appendField(b, headerValue(r.Header, o.text))
		case opResponseHeader:
			b = appendField(b, headerValue(e.header, o.text))
		case opRedactedRequestHeader:
			b = appendRedacted(b, r.Header, o.text)
		case opRedactedResponseHeader:
			b = appendRedacted(b, e.header, o.text)
		}
	}
	return append(b, '\n')
}

// appendURI appends the request target as the client sent it, with
// redacted query values, escaped for a text log when escape is set.
func (l *Logger) appendURI(b []byte, r *http.Request, escape bool) []byte {
	uri := r.RequestURI
	if uri == "" { // a request made in-process rather than read from a client
		uri = r.URL.RequestURI()
	}
	path, query, ok := strings.Cut(uri, "?")
	if !ok || !l.redact.active() {
		if escape {
			return appendField(b, uri)
		}
		return append(b, uri...)
	}
	if escape {
		b = appendEscaped(b, path)
	} else {
		b = append(b, path...)
	}
	b = append(b, '?')
	return l.redact.appendQuery(b, query, escape)
}

// appendRedacted says whether a credential header was sent, never its value.
func appendRedacted(b []byte, h http.Header, key string) []byte {
	if headerValue(h, key) == "" {
		return append(b, '-')
	}
	return append(b, "REDACTED"...)
}

// appendUser appends the Basic auth user name, or "-". It decodes on the
// stack, where Request.BasicAuth would allocate the decoded credentials.
func appendUser(b []byte, r *http.Request) []byte {
	auth := headerValue(r.Header, "Authorization")
	const prefix = "Basic "
	if len(auth) <= len(prefix) || !strings.EqualFold(auth[:len(prefix)], prefix) {
		return append(b, '-')
	}
	enc := auth[len(prefix):]
	var src, dst [192]byte
	if len(enc) > len(src) {
		user, _, _ := r.BasicAuth()
		return appendWord(b, user)
	}
	n, err := base64.StdEncoding.Decode(dst[:], src[:copy(src[:], enc)])
	if err != nil {
		return append(b, '-')
	}
	user := dst[:n]
	if i := bytes.IndexByte(user, ':'); i >= 0 {
		user = user[:i]
	}
	return appendWord(b, user)
}

// appendDuration writes d in the largest unit that keeps it at or above 1:
// "750ns", "12.5µs", "3.25ms", "1.5s" (seconds beyond a minute too: "90s").
func appendDuration(b []byte, d time.Duration) []byte {
	switch {
	case d < time.Microsecond:
		return append(strconv.AppendInt(b, int64(d), 10), "ns"...)
	case d < time.Millisecond:
		return append(appendDecimal(b, int64(d), 1e3), "µs"...)
	case d < time.Second:
		return append(appendDecimal(b, int64(d), 1e6), "ms"...)
	default:
		return append(appendDecimal(b, int64(d), 1e9), 's')
	}
}

// appendDecimal writes v/unit with up to three decimals, trailing zeros cut.
func appendDecimal(b []byte, v, unit int64) []byte {
	whole, frac := v/unit, (v%unit)*1000/unit
	b = strconv.AppendInt(b, whole, 10)
	if frac == 0 {
		return b
	}
	b = append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	for b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	return b
}
