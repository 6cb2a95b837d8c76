package gzip

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/httpmw/httpmw/internal/ascii"
	"github.com/httpmw/httpmw/internal/vary"
)

// Canonical header keys, indexed directly to skip canonicalization.
const (
	hdrAcceptEncoding  = "Accept-Encoding"
	hdrAcceptRanges    = "Accept-Ranges"
	hdrCacheControl    = "Cache-Control"
	hdrContentEncoding = "Content-Encoding"
	hdrContentLength   = "Content-Length"
	hdrContentRange    = "Content-Range"
	hdrContentType     = "Content-Type"
	hdrETag            = "Etag"
	hdrIfMatch         = "If-Match"
	hdrIfNoneMatch     = "If-None-Match"
	hdrRange           = "Range"
	hdrUpgrade         = "Upgrade"
	hdrVary            = "Vary"
)

// addVary makes sure Vary lists Accept-Encoding (or "*") once, keeping
// what the handler put there.
func addVary(h http.Header) { vary.Add(h, hdrAcceptEncoding) }

// hasToken reports whether the comma separated field lines list token,
// ignoring case; token is lower case.
func hasToken(values []string, token string) bool {
	for _, v := range values {
		for v != "" {
			var item string
			item, v = cutByte(v, ',')
			item, _ = cutByte(item, '=') // "no-transform" has no value; others may
			if ascii.EqualFold(trimOWS(item), token) {
				return true
			}
		}
	}
	return false
}

// contentLength is the handler's Content-Length, or -1 when it set none
// or set one that does not parse.
func contentLength(h http.Header) int64 {
	v := h[hdrContentLength]
	if len(v) == 0 {
		return -1
	}
	n, err := strconv.ParseInt(v[0], 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// bodyAllowed reports whether a response with this status may carry a
// body (RFC 9110, 6.4.1).
func bodyAllowed(code int) bool {
	return code >= 200 && code != http.StatusNoContent && code != http.StatusNotModified
}

// etagSuffix is what a strong ETag gets when its body is encoded with e:
// the encoded bytes differ, so the validator must too (RFC 9110, 8.8.3).
func etagSuffix(e encoding) string {
	if e == encZstd {
		return "-zstd"
	}
	return "-gzip"
}

// addETagSuffix turns the strong ETag "abc" into "abc-gzip"; weak tags
// stay as they are, since the encoded body is semantically the same.
func addETagSuffix(h http.Header, e encoding) {
	v := h[hdrETag]
	if len(v) != 1 {
		return
	}
	tag := v[0]
	if len(tag) < 2 || tag[0] != '"' || tag[len(tag)-1] != '"' {
		return
	}
	h[hdrETag] = []string{tag[:len(tag)-1] + etagSuffix(e) + `"`}
}

// stripETagSuffixes undoes addETagSuffix in the request's If-None-Match and
// If-Match, for the coding this response will use, so the handler
// compares the tags it knows and a conditional request still gets its 304.
// It returns r itself when no tag carries the suffix, else a shallow copy
// with its own Header, and the If-None-Match lines as the client sent them.
func stripETagSuffixes(r *http.Request, e encoding) (*http.Request, []string) {
	marker := etagSuffix(e) + `"`
	inm, im := r.Header[hdrIfNoneMatch], r.Header[hdrIfMatch]
	if !containsAny(inm, marker) && !containsAny(im, marker) {
		return r, nil
	}
	r2 := new(http.Request)
	*r2 = *r
	r2.Header = r.Header.Clone()
	for _, key := range [...]string{hdrIfNoneMatch, hdrIfMatch} {
		lines := r2.Header[key]
		for i, v := range lines {
			lines[i] = stripSuffix(v, etagSuffix(e))
		}
	}
	return r2, inm
}

// restoreETagSuffix gives a 304 the suffixed tag the client holds: when
// the handler's strong ETag "abc" matched because "abc-gzip" was stripped
// from If-None-Match, the cache must see "abc-gzip" to refresh its copy.
func restoreETagSuffix(h http.Header, e encoding, sentINM []string) {
	v := h[hdrETag]
	if len(v) != 1 || len(v[0]) < 2 || v[0][0] != '"' {
		return
	}
	suffixed := v[0][:len(v[0])-1] + etagSuffix(e) + `"`
	if containsAny(sentINM, suffixed) {
		h[hdrETag] = []string{suffixed}
	}
}

func containsAny(lines []string, s string) bool {
	for _, v := range lines {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}

// stripSuffix removes suffix from the end of every strong entity tag in
// the list v, leaving weak tags and everything else as it was.
func stripSuffix(v, suffix string) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(v, '"')
		if open < 0 {
			break
		}
		end := strings.IndexByte(v[open+1:], '"')
		if end < 0 {
			break
		}
		end += open + 1
		tag := v[open+1 : end]
		weak := open >= 2 && v[open-2:open] == "W/"
		if !weak {
			tag = strings.TrimSuffix(tag, suffix)
		}
		b.WriteString(v[:open+1])
		b.WriteString(tag)
		b.WriteByte('"')
		v = v[end+1:]
	}
	b.WriteString(v)
	return b.String()
}
