package server

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// publicHandler serves one public http or https listener.
type publicHandler struct {
	s      *Server
	scheme string
	// fromNode marks requests forwarded by another server (nodeconn.go).
	fromNode bool
}

func (h *publicHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := h.s
	pc := publicConnOf(r.Context())
	if pc == nil {
		textError(w, http.StatusInternalServerError, "Internal error")
		return
	}
	pc.requests.Add(1)
	scheme, sni := h.scheme, ""
	switch {
	case h.fromNode:
		if r.Method == http.MethodConnect {
			s.serveForwardedTCP(w, r) // nodetcp.go
			return
		}
		if scheme = forwardedBy(r); scheme == "" {
			textError(w, http.StatusBadRequest, "Bad forwarded request")
			return
		}
	case r.TLS != nil:
		sni = r.TLS.ServerName
	}
	t := s.route(scheme, r.Host, sni)
	if t == nil {
		if h.fromNode {
			textError(w, http.StatusBadGateway, fmt.Sprintf("Tunnel %s not held by this node", printable(r.Host)))
			return
		}
		if s.cfg.Registry != nil && s.cfg.Registry.ServeElsewhere(w, r, scheme) {
			return
		}
		textError(w, http.StatusNotFound, fmt.Sprintf("Tunnel %s not found", printable(r.Host)))
		return
	}
	if sni != "" && !strings.EqualFold(sni, hostOnly(r.Host)) {
		// A connection set up for one tunnel's name asking for another.
		if other := s.route(scheme, sni, ""); other != nil && other != t {
			textError(w, http.StatusMisdirectedRequest, "Misdirected request")
			return
		}
	}
	if t.auth != nil && s.guesses.blocked(r.RemoteAddr) {
		s.stats.authBlocked.Add(1)
		w.Header().Set("Retry-After", strconv.Itoa(int((s.cfg.AuthFailureWindow+time.Second-1)/time.Second)))
		textError(w, http.StatusTooManyRequests, "Too many failed attempts; try again later")
		return
	}
	if !t.auth.allows(r) {
		t.n.denied.Add(1)
		s.log.Debug("public request refused: basic auth", "url", t.url, "remote", r.RemoteAddr)
		if r.Header.Get("Authorization") != "" {
			// A browser's first request, without credentials, is how the
			// challenge starts: only wrong credentials count.
			s.noteFailure(r.RemoteAddr)
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="ngrok"`)
		textError(w, http.StatusUnauthorized, "Authorization required")
		return
	}
	out := outgoing(r, scheme)
	st, sent, err := pc.streamFor(t, r, out)
	if err != nil {
		s.stats.noProxy.Add(1)
		s.log.Warn("public request failed: no proxy connection", "url", t.url, "remote", r.RemoteAddr, "err", err)
		textError(w, http.StatusBadGateway, fmt.Sprintf("Tunnel %s unavailable", printable(r.Host)))
		return
	}
	t.n.requests.Add(1)
	h.forward(w, r, pc, st, out, sent)
}

// forward sends out, the outgoing form of r, over st (unless sent says it
// went with StartProxy already) and copies the response back. A broken
// stream is dropped, so the next request on the public connection gets a
// fresh one.
func (h *publicHandler) forward(w http.ResponseWriter, r *http.Request, pc *publicConn, st *proxyStream, out *http.Request, sent bool) {
	rc := http.NewResponseController(w)

	var bodyErr chan error
	switch {
	case sent:
	case hasBody(out):
		// The body goes on its own goroutine: a local service may answer
		// before it has read everything.
		bodyErr = make(chan error, 1)
		stalled := h.watchBody(out, pc)
		go func() {
			err := st.writeRequest(out)
			stalled.Stop()
			bodyErr <- err
		}()
	default:
		if err := st.writeRequest(out); err != nil {
			pc.drop(st)
			textError(w, http.StatusBadGateway, "Tunnel connection failed")
			return
		}
	}
	finishBody := func() error {
		if bodyErr == nil {
			return nil
		}
		select {
		case err := <-bodyErr:
			return err
		default:
		}
		rc.SetReadDeadline(time.Now()) // stop an upload we no longer need
		err := <-bodyErr
		rc.SetReadDeadline(time.Time{})
		return err
	}

	resp, err := readResponse(st.br, out)
	if err != nil {
		pc.drop(st)
		finishBody()
		textError(w, http.StatusBadGateway, "Tunnel connection failed")
		return
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		finishBody()
		h.upgrade(w, r, pc, st, resp)
		return
	}
	dst := w.Header()
	for k, vv := range resp.Header {
		dst[k] = vv
	}
	removeHopByHop(dst)
	w.WriteHeader(resp.StatusCode)
	_, copyErr := copyBody(w, rc, resp, st.br)
	resp.Body.Close()
	if err := finishBody(); err != nil || copyErr != nil || resp.Close || out.Close {
		pc.drop(st)
	}
	if copyErr != nil {
		// The response is cut short: make net/http close the connection
		// instead of ending the body as if it were complete.
		panic(http.ErrAbortHandler)
	}
}

// outgoing is the request as the local service sees it: hop-by-hop headers
// removed, X-Forwarded-* added, nothing invented (no Go User-Agent).
func outgoing(r *http.Request, scheme string) *http.Request {
	out := &http.Request{
		Method:        r.Method,
		URL:           r.URL,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        r.Header, // the handler owns it; no copy needed
		Host:          r.Host,
		Body:          r.Body,
		ContentLength: r.ContentLength,
	}
	if out.Header == nil {
		out.Header = http.Header{}
	}
	upgrade := upgradeType(r.Header)
	removeHopByHop(out.Header)
	// net/http already answered "Expect: 100-continue" when the body was
	// first read; the local service must not answer it a second time.
	out.Header.Del("Expect")
	if upgrade != "" {
		out.Header.Set("Connection", "Upgrade")
		out.Header.Set("Upgrade", upgrade)
	}
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		if prior := out.Header.Values("X-Forwarded-For"); len(prior) > 0 {
			ip = strings.Join(prior, ", ") + ", " + ip
		}
		out.Header.Set("X-Forwarded-For", ip)
	}
	out.Header.Set("X-Forwarded-Proto", scheme)
	out.Header.Set("X-Forwarded-Host", r.Host)
	if _, ok := out.Header["User-Agent"]; !ok {
		out.Header["User-Agent"] = []string{""}
	}
	return out
}

// hopByHop headers belong to one connection and are not forwarded (RFC 9110
// section 7.6.1), nor are headers that Connection names.
var hopByHop = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func removeHopByHop(h http.Header) {
	for _, v := range h["Connection"] {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, k := range hopByHop {
		h.Del(k)
	}
}

func hasBody(r *http.Request) bool { return r.Body != nil && r.Body != http.NoBody }

func upgradeType(h http.Header) string {
	for _, v := range h["Connection"] {
		for _, tok := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "upgrade") {
				return h.Get("Upgrade")
			}
		}
	}
	return ""
}

// readResponse reads the local service's response, skipping informational
// ones other than 101.
func readResponse(br *bufio.Reader, req *http.Request) (*http.Response, error) {
	for {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols || resp.StatusCode < 100 {
			return resp, nil
		}
		resp.Body.Close()
	}
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// copyBody copies the response body. It flushes whenever it has sent all
// that has arrived from the tunnel, so a response that trickles (SSE, a
// slow download) is not held back in a buffer; a body that arrives faster
// than that is written in large chunks anyway.
func copyBody(w io.Writer, rc *http.ResponseController, resp *http.Response, src *bufio.Reader) (int64, error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	var n int64
	for {
		nr, rerr := resp.Body.Read(buf)
		if nr > 0 {
			nw, werr := w.Write(buf[:nr])
			n += int64(nw)
			if werr != nil {
				return n, werr
			}
			if src.Buffered() == 0 {
				if err := rc.Flush(); err != nil {
					return n, err
				}
			}
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

// upgrade completes a 101 response and splices the two connections.
func (h *publicHandler) upgrade(w http.ResponseWriter, r *http.Request, pc *publicConn, st *proxyStream, resp *http.Response) {
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		pc.drop(st)
		textError(w, http.StatusBadGateway, "Upgrade failed")
		return
	}
	pc.detach(st)
	fmt.Fprintf(brw, "HTTP/1.1 101 %s\r\n", strings.TrimPrefix(resp.Status, "101 "))
	resp.Header.Write(brw)
	brw.WriteString("\r\n")
	if err := brw.Flush(); err != nil {
		conn.Close()
		st.close()
		return
	}
	if !h.s.active.add(conn) {
		conn.Close()
		st.close()
		return
	}
	defer h.s.active.remove(conn)
	splice(conn, st, brw.Reader, st.br)
	st.close()
}

// textError writes a short plain-text error page.
func textError(w http.ResponseWriter, code int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	io.WriteString(w, msg)
}

// printable bounds what a 404 echoes of the Host header.
func printable(host string) string {
	if len(host) > 256 {
		host = host[:256]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, host)
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

var errStopped = errors.New("server: public connection closed")

// watchBody closes pc when out's body brings no byte for
// Config.BodyReadTimeout; each read that brings bytes pushes that back.
// Stop the returned timer once the body is done.
func (h *publicHandler) watchBody(out *http.Request, pc *publicConn) *time.Timer {
	s := h.s
	timer := time.AfterFunc(s.cfg.BodyReadTimeout, func() {
		s.stats.bodyTimeouts.Add(1)
		s.log.Info("public connection closed: request body stalled", "timeout", s.cfg.BodyReadTimeout, "remote", pc.RemoteAddr().String())
		pc.Close()
	})
	out.Body = &progressBody{ReadCloser: out.Body, timer: timer, timeout: s.cfg.BodyReadTimeout}
	return timer
}

// progressBody pushes its timer back on every read that brings bytes.
type progressBody struct {
	io.ReadCloser
	timer   *time.Timer
	timeout time.Duration
}

func (b *progressBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.timer.Reset(b.timeout)
	}
	return n, err
}
