package fcgi

import (
	"fmt"
	"net"
	"net/http"
	"net/textproto"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// target is where a request goes: the script and the rest of the path.
type target struct {
	scriptName string // URL path of the script, e.g. /blog/index.php
	pathInfo   string // what followed it, e.g. /2024/01
	filename   string // the script on disk, under Root
}

// params collects CGI variables already encoded as FastCGI name-value
// pairs, then framed into FCGI_PARAMS records.
type params struct {
	b        []byte
	rec      []byte            // b framed into records, by appendParams
	name     []byte            // scratch for an HTTP_* name
	override map[string]string // Config.Env: these names are sent from there only
	nul      bool              // a name or value held a NUL byte
	tooLarge string            // the first variable too large for a record
}

func (p *params) reset() {
	p.b, p.rec = p.b[:0], p.rec[:0]
	p.nul, p.tooLarge = false, ""
}

// add appends name=value unless Config.Env overrides name.
func (p *params) add(name, value string) {
	if _, ok := p.override[name]; ok {
		return
	}
	p.addRaw(name, value)
}

// addHeader is add for a name in a scratch buffer, without copying it to
// a string: the override lookup and the append read it in place.
func (p *params) addHeader(name []byte, value string) {
	if _, ok := p.override[string(name)]; ok {
		return
	}
	if p.tooLarge == "" && pairSize(len(name), len(value)) > maxContent {
		p.tooLarge = string(name)
	}
	p.nul = p.nul || strings.IndexByte(value, 0) >= 0 // names passed passHeader
	p.b = appendPairLen(p.b, len(name))
	p.b = appendPairLen(p.b, len(value))
	p.b = append(p.b, name...)
	p.b = append(p.b, value...)
}

func (p *params) addRaw(name, value string) {
	if strings.IndexByte(value, 0) >= 0 || strings.IndexByte(name, 0) >= 0 {
		p.nul = true
	}
	if p.tooLarge == "" && pairSize(len(name), len(value)) > maxContent {
		p.tooLarge = name
	}
	p.b = appendPairLen(p.b, len(name))
	p.b = appendPairLen(p.b, len(value))
	p.b = append(p.b, name...)
	p.b = append(p.b, value...)
}

// buildParams encodes the CGI environment (RFC 3875 section 4.1, plus the
// variables PHP applications expect from nginx's fastcgi_params) for r
// going to t, except CONTENT_LENGTH: see addContentLength.
//
// It fails with ErrBadRequest when a value holds a NUL byte: FastCGI pairs
// are length-prefixed, but PHP copies them into C strings, where a NUL
// would cut "/x.php\x00.jpg" short. It fails with ErrURITooLong or
// ErrHeaderTooLarge when a variable does not fit in one FastCGI record.
func (s *settings) buildParams(p *params, r *http.Request, t target) error {
	p.override = s.Env
	remoteHost, remotePort := splitHostPort(r.RemoteAddr)
	serverName, serverPort := splitHostPort(r.Host)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	var serverAddr string
	switch la := r.Context().Value(http.LocalAddrContextKey).(type) {
	case *net.TCPAddr: // the usual listener, read without formatting host:port
		if len(la.IP) > 0 {
			serverAddr = la.IP.String()
		}
		if la.Zone != "" {
			serverAddr += "%" + la.Zone
		}
		if serverPort == "" {
			serverPort = strconv.Itoa(la.Port)
		}
	case net.Addr:
		var localPort string
		serverAddr, localPort = splitHostPort(la.String())
		if serverPort == "" {
			serverPort = localPort
		}
	}
	if serverPort == "" {
		serverPort = "80"
		if r.TLS != nil {
			serverPort = "443"
		}
	}
	requestURI := r.RequestURI
	if requestURI == "" {
		requestURI = r.URL.RequestURI()
	}
	pathTranslated := ""
	if t.pathInfo != "" {
		pathTranslated = filepath.Join(s.remote, filepath.FromSlash(t.pathInfo))
	}

	p.add("GATEWAY_INTERFACE", "CGI/1.1")
	p.add("SERVER_SOFTWARE", s.ServerSoftware)
	p.add("SERVER_PROTOCOL", r.Proto)
	p.add("SERVER_NAME", serverName)
	p.add("SERVER_PORT", serverPort)
	if serverAddr != "" {
		p.add("SERVER_ADDR", serverAddr)
	}
	p.add("REMOTE_ADDR", remoteHost)
	p.add("REMOTE_HOST", remoteHost)
	p.add("REMOTE_PORT", remotePort)
	p.add("REQUEST_METHOD", r.Method)
	p.add("REQUEST_SCHEME", scheme)
	if r.TLS != nil {
		p.add("HTTPS", "on")
	}
	p.add("REQUEST_URI", requestURI)
	p.add("QUERY_STRING", r.URL.RawQuery)
	p.add("DOCUMENT_ROOT", s.remote)
	p.add("DOCUMENT_URI", t.scriptName+t.pathInfo)
	p.add("SCRIPT_NAME", t.scriptName)
	scriptFilename := t.filename
	if s.remote != s.root {
		scriptFilename = filepath.Join(s.remote, filepath.FromSlash(t.scriptName))
	}
	p.add("SCRIPT_FILENAME", scriptFilename)
	p.add("PATH_INFO", t.pathInfo)
	if pathTranslated != "" {
		p.add("PATH_TRANSLATED", pathTranslated)
	}
	// php-cgi refuses to run without it when cgi.force_redirect is on.
	p.add("REDIRECT_STATUS", "200")
	if ct := r.Header.Get("Content-Type"); ct != "" {
		p.add("CONTENT_TYPE", ct)
	}
	if r.Host != "" {
		p.add("HTTP_HOST", r.Host)
	}
	name := p.name[:0]
	defer func() {
		if cap(name) <= 1<<10 { // a huge name is not kept in the pool
			p.name = name[:0]
		}
	}()
	// net/http parses header names into canonical keys; code may still
	// set "x-a" beside "X-A", which would both be HTTP_X_A. Then send
	// each variable once, with every spelling's values.
	odd := hasNonCanonicalKey(r.Header)
	var merged map[string]bool
	for k, vv := range r.Header {
		if !passHeader(k) {
			continue
		}
		ck := k
		if odd {
			ck = textproto.CanonicalMIMEHeaderKey(k)
			if merged[ck] {
				continue
			}
			if merged == nil {
				merged = map[string]bool{}
			}
			merged[ck] = true
			vv = sameHeader(r.Header, ck)
		}
		name = appendHeaderVar(name[:0], k)
		sep := ", "
		if ck == "Cookie" {
			sep = "; " // RFC 6265 section 5.4: one Cookie header, "; " between pairs
		}
		p.addHeader(name, strings.Join(vv, sep))
	}
	for k, v := range s.Env {
		p.addRaw(k, v)
	}
	if p.nul {
		return fmt.Errorf("%w: NUL byte in a CGI variable", ErrBadRequest)
	}
	switch p.tooLarge {
	case "":
		return nil
	case "REQUEST_URI", "QUERY_STRING", "DOCUMENT_URI", "SCRIPT_NAME", "SCRIPT_FILENAME", "PATH_INFO", "PATH_TRANSLATED":
		return fmt.Errorf("%w: %s", ErrURITooLong, p.tooLarge)
	}
	return fmt.Errorf("%w: %s", ErrHeaderTooLarge, p.tooLarge)
}

// addContentLength adds CONTENT_LENGTH, the length of the body sent on
// stdin, once the body has been read; -1 means no body.
func (p *params) addContentLength(n int64) {
	if n >= 0 {
		p.add("CONTENT_LENGTH", strconv.FormatInt(n, 10))
	}
}

// sameHeader returns the values of every key of h that canonicalizes to
// ck, in a stable order: the canonical key's first, then the others' by
// key. Only for headers with non-canonical keys: it is O(len(h)).
func sameHeader(h http.Header, ck string) []string {
	var keys []string
	for k := range h {
		if k != ck && textproto.CanonicalMIMEHeaderKey(k) == ck {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	vv := append([]string(nil), h[ck]...)
	for _, k := range keys {
		vv = append(vv, h[k]...)
	}
	return vv
}

func hasNonCanonicalKey(h http.Header) bool {
	for k := range h {
		if textproto.CanonicalMIMEHeaderKey(k) != k {
			return true
		}
	}
	return false
}

// passHeader decides which request headers become HTTP_* variables.
//
// Only names made of letters, digits and '-' pass. CGI turns '-' into '_',
// so "X-Real-IP" and "X_Real_IP" would both be HTTP_X_REAL_IP: a client
// could slip the second past a proxy that strips or sets the first. Like
// nginx (underscores_in_headers off) and Apache 2.4, names with '_' are
// dropped. "Proxy" is dropped because HTTP_PROXY is read as the outgoing
// proxy by many HTTP libraries (httpoxy, CVE-2016-5385). Content-Type and
// Content-Length travel as CONTENT_TYPE and CONTENT_LENGTH, and Host as
// HTTP_HOST from r.Host.
func passHeader(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	switch {
	case strings.EqualFold(k, "Proxy"), strings.EqualFold(k, "Content-Type"),
		strings.EqualFold(k, "Content-Length"), strings.EqualFold(k, "Host"):
		return false
	}
	return true
}

// appendHeaderVar appends "HTTP_" and k upper-cased with '-' as '_'.
func appendHeaderVar(b []byte, k string) []byte {
	b = append(b, "HTTP_"...)
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c == '-':
			c = '_'
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// splitHostPort is net.SplitHostPort that tolerates a missing port.
func splitHostPort(hp string) (host, port string) {
	if !strings.Contains(hp, ":") {
		// The usual Host without a port: no error to allocate.
		return strings.TrimSuffix(strings.TrimPrefix(hp, "["), "]"), ""
	}
	if h, p, err := net.SplitHostPort(hp); err == nil {
		return h, p
	}
	return strings.TrimSuffix(strings.TrimPrefix(hp, "["), "]"), ""
}
