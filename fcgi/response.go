package fcgi

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// maxHeaderBytes bounds the CGI header block a script may send.
const maxHeaderBytes = 1 << 20

// exchange is one response being read from a connection.
type exchange struct {
	c   *conn
	w   http.ResponseWriter
	r   *http.Request
	s   *settings
	hdr []byte // CGI header bytes until the blank line

	gotBytes    bool // the server sent anything at all
	wroteHeader bool
	unflushed   bool // body bytes written since the last flush
	dropBody    bool // the status allows no body (204, 304): drain it
	status      int

	sent       int                      // body bytes written to w
	rc         *http.ResponseController // for SendTimeout; nil until a write may block
	noDeadline bool                     // w cannot set write deadlines
}

// unblockedBytes is how much of a body is written before SendTimeout is
// set: net/http holds that much in its response buffer (HTTP/1 and
// HTTP/2) until the handler flushes or returns, so those writes cannot
// block on the client. A small page then costs no deadline at all; a
// flush always sets it.
const unblockedBytes = 2 << 10

// sendDeadline gives the next write to the client SendTimeout, so that a
// client that stops reading frees the FastCGI connection rather than hold
// it for as long as it likes.
func (x *exchange) sendDeadline() {
	if x.noDeadline {
		return
	}
	if x.rc == nil {
		x.rc = http.NewResponseController(x.w)
	}
	if x.rc.SetWriteDeadline(time.Now().Add(x.s.SendTimeout)) != nil {
		x.noDeadline = true
	}
}

// clearSendDeadline lifts the deadline when the response is done, so that
// it cannot cut a later response on the same connection.
func (x *exchange) clearSendDeadline() {
	if x.rc != nil && !x.noDeadline {
		_ = x.rc.SetWriteDeadline(time.Time{})
	}
}

// readResponse copies the script's stdout to w and its stderr to the
// hook, until FCGI_END_REQUEST. Body bytes are flushed to the client
// whenever no further record is already waiting on the connection, so a
// PHP flush() reaches the client at once, while a burst of records (a
// whole small page) still goes out in one write, with a Content-Length.
func (x *exchange) readResponse() error {
	hb := &x.c.rhdr
	x.hdr = x.c.hbuf[:0]
	defer func() {
		if cap(x.hdr) <= 16<<10 {
			x.c.hbuf = x.hdr[:0] // kept for the next response on x.c
		}
	}()
	for {
		if x.unflushed && x.c.br.Buffered() < headerLen {
			// The next read may wait for the script: send what it
			// produced so far, as PHP's flush() asked.
			x.sendDeadline()
			if err := x.flush(); err != nil {
				return &clientError{err}
			}
			x.unflushed = false
		}
		h, err := readRecordHeader(x.c.br, hb)
		if err != nil {
			return err
		}
		x.gotBytes = true
		if h.id != requestID {
			if h.id == 0 {
				if _, err := x.c.br.Discard(int(h.length) + int(h.padding)); err != nil {
					return err
				}
				continue // a management record: nothing to do with us
			}
			return fmt.Errorf("%w: record for request %d", errProtocol, h.id)
		}
		n := int(h.length)
		switch h.typ {
		case recStdout:
			if err := x.stdout(n); err != nil {
				return err
			}
		case recStderr:
			if n > 0 {
				msg := make([]byte, n)
				if _, err := io.ReadFull(x.c.br, msg); err != nil {
					return err
				}
				x.s.onStderr(x.r, msg)
			}
		case recEndRequest:
			if n != 8 {
				return fmt.Errorf("%w: end request of %d bytes", errProtocol, n)
			}
			body, err := x.c.br.Peek(8)
			if err != nil {
				return err
			}
			proto := body[4]
			if _, err := x.c.br.Discard(8 + int(h.padding)); err != nil {
				return err
			}
			if proto != 0 {
				return fmt.Errorf("%w: request refused, protocol status %d", ErrBadResponse, proto)
			}
			if !x.wroteHeader {
				return fmt.Errorf("%w: no CGI headers before the end of the request", ErrBadResponse)
			}
			return nil
		default:
			if _, err := x.c.br.Discard(n); err != nil {
				return err
			}
		}
		if _, err := x.c.br.Discard(int(h.padding)); err != nil {
			return err
		}
	}
}

// stdout handles n bytes of an FCGI_STDOUT record.
func (x *exchange) stdout(n int) error {
	for n > 0 {
		chunk, err := x.c.br.Peek(min(n, x.c.br.Size()))
		if err != nil {
			return err
		}
		if !x.wroteHeader {
			body, err := x.header(chunk)
			if err != nil {
				return err
			}
			chunk = body
		}
		if len(chunk) > 0 && !x.dropBody {
			if x.sent += len(chunk); x.sent > unblockedBytes {
				x.sendDeadline()
			}
			_, err := x.w.Write(chunk)
			switch {
			case errors.Is(err, http.ErrBodyNotAllowed):
				// A script that prints after a 204 or 304: net/http
				// refuses the bytes; drop them and keep the connection.
				x.dropBody = true
			case err != nil:
				return &clientError{err}
			default:
				x.unflushed = true
			}
		}
		k := min(n, x.c.br.Size())
		if _, err := x.c.br.Discard(k); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// flush sends what the client's writer buffered. A writer that cannot
// flush is not an error: the bytes go out when the handler returns.
func (x *exchange) flush() error {
	switch f := x.w.(type) {
	case interface{ FlushError() error }:
		return f.FlushError()
	case http.Flusher:
		f.Flush()
		return nil
	}
	if x.rc == nil {
		x.rc = http.NewResponseController(x.w)
	}
	err := x.rc.Flush()
	if errors.Is(err, http.ErrNotSupported) {
		return nil
	}
	return err
}

// header collects CGI header bytes from p. Once the blank line is in, it
// sends the header to the client and returns the body bytes that followed.
func (x *exchange) header(p []byte) ([]byte, error) {
	x.hdr = append(x.hdr, p...)
	end, next := headerEnd(x.hdr)
	if end < 0 {
		if len(x.hdr) > maxHeaderBytes {
			return nil, fmt.Errorf("%w: CGI headers over %d bytes", ErrBadResponse, maxHeaderBytes)
		}
		return nil, nil
	}
	status, err := parseCGIHeader(x.hdr[:end], x.w.Header())
	if err != nil {
		return nil, err
	}
	body := x.hdr[next:]
	x.status, x.wroteHeader = status, true
	x.w.WriteHeader(status)
	return body, nil
}

// headerEnd finds the blank line ending a CGI header, with LF or CRLF
// line ends: it returns where the header stops and where the body starts.
func headerEnd(b []byte) (end, body int) {
	for i := 0; i < len(b); i++ {
		if b[i] != '\n' {
			continue
		}
		switch {
		case i+1 < len(b) && b[i+1] == '\n':
			return i, i + 2
		case i+2 < len(b) && b[i+1] == '\r' && b[i+2] == '\n':
			return i, i + 3
		}
	}
	return -1, -1
}

// parseCGIHeader parses the header lines of a CGI response (RFC 3875
// section 6.3) into h and returns the status: the Status header's, else
// 302 with a Location, else 200. Any line that is not a well-formed
// "Name: value" is an error: letting it through could split the response.
//
// The values are cut from one string of the whole block, and a field's
// first value sits in one slice shared by all fields, so a page's header
// costs two allocations, not two per line.
func parseCGIHeader(b []byte, h http.Header) (int, error) {
	text := string(b)
	vals := make([]string, 0, strings.Count(text, "\n")+1)
	status := 0
	location := false
	for len(text) > 0 {
		line, rest, _ := strings.Cut(text, "\n")
		text = rest
		line = strings.TrimSuffix(line, "\r")
		name, value, ok := strings.Cut(line, ":")
		if !ok || !validFieldName(name) {
			return 0, fmt.Errorf("%w: malformed header line", ErrBadResponse)
		}
		value = strings.Trim(value, " \t")
		if !validFieldValue(value) {
			return 0, fmt.Errorf("%w: control character in header value", ErrBadResponse)
		}
		key := canonicalKey(name)
		switch key {
		case "Status":
			if len(value) < 3 {
				return 0, fmt.Errorf("%w: bad Status header", ErrBadResponse)
			}
			code, err := strconv.Atoi(value[:3])
			if err != nil || code < 200 || code > 999 || (len(value) > 3 && value[3] != ' ') {
				return 0, fmt.Errorf("%w: bad Status header", ErrBadResponse)
			}
			status = code
			continue
		case "Location":
			location = true
		case "Connection", "Keep-Alive", "Transfer-Encoding", "Trailer", "Upgrade", "Proxy-Connection":
			continue // hop-by-hop: framing is this server's business
		}
		if prior := h[key]; len(prior) > 0 {
			h[key] = append(prior, value)
			continue
		}
		vals = append(vals, value)
		n := len(vals)
		h[key] = vals[n-1 : n : n] // capped: a second value is appended elsewhere
	}
	if status == 0 {
		status = http.StatusOK
		if location {
			status = http.StatusFound
		}
	}
	return status, nil
}

// commonFields are the header names PHP and its frameworks send most, in
// canonical form: canonicalKey returns these without an allocation.
var commonFields = [...]string{
	"Content-Type", "X-Powered-By", "Status", "Location", "Set-Cookie",
	"Cache-Control", "Expires", "Pragma", "Content-Length", "Last-Modified",
	"Etag", "Vary", "Content-Encoding", "Content-Disposition",
}

// canonicalKey is textproto.CanonicalMIMEHeaderKey for a valid field name.
func canonicalKey(name string) string {
	for _, k := range commonFields {
		if len(k) == len(name) && strings.EqualFold(name, k) {
			return k
		}
	}
	return textproto.CanonicalMIMEHeaderKey(name)
}

func validFieldName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return len(s) > 0
}

func validFieldValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// clientError is a failed write to the client: the server is not to blame.
type clientError struct{ err error }

func (e *clientError) Error() string { return "fcgi: writing to client: " + e.err.Error() }
func (e *clientError) Unwrap() error { return e.err }
