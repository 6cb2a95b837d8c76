package gzip

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
)

// state is where a responseWriter stands in its one decision: compress
// the body or not.
type state uint8

const (
	pending     state = iota // holding the first bytes until the choice can be made
	compressing              // body goes through the codec
	passthrough              // body goes out as written
	hijacked                 // the connection was taken over
)

// responseWriter compresses the body written to it when the response
// turns out to be worth it. It keeps every capability of the writer it
// wraps: http.ResponseController through Unwrap, Flush (which sends the
// compressed bytes at once and never panics), Hijack, ReadFrom (sendfile
// survives for bodies sent as they are) and 1xx responses.
type responseWriter struct {
	rw      http.ResponseWriter
	c       *compressor
	enc     encoding // what the client accepts, if the response is worth it
	state   state
	code    int      // the final status set by the handler, 0 until then
	verdict verdict  // what the status and headers said when code was set
	buf     []byte   // the first body bytes while pending
	codec   *codec   // set while compressing
	sentINM []string // If-None-Match as sent, when a suffix was stripped
}

var (
	_ http.ResponseWriter                       = (*responseWriter)(nil)
	_ http.Flusher                              = (*responseWriter)(nil)
	_ http.Hijacker                             = (*responseWriter)(nil)
	_ io.ReaderFrom                             = (*responseWriter)(nil)
	_ io.StringWriter                           = (*responseWriter)(nil)
	_ interface{ Unwrap() http.ResponseWriter } = (*responseWriter)(nil)
	_ interface{ FlushError() error }           = (*responseWriter)(nil)
)

func (w *responseWriter) reset(c *compressor, rw http.ResponseWriter, enc encoding, sentINM []string) {
	w.rw, w.c, w.enc, w.sentINM = rw, c, enc, sentINM
}

// clear drops every reference to the response before the writer is
// pooled, keeping only the buffer's memory.
func (w *responseWriter) clear() {
	*w = responseWriter{buf: w.buf[:0]}
}

// untouched reports that the handler neither wrote nor set a status.
func (w *responseWriter) untouched() bool {
	return w.state == pending && w.code == 0 && len(w.buf) == 0
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.rw }

// Header is the wrapped writer's header.
func (w *responseWriter) Header() http.Header { return w.rw.Header() }

// WriteHeader records the status; the header goes out once the body
// shows whether it is compressed. 1xx responses other than 101 go out at
// once, as net/http allows, and may be followed by more.
func (w *responseWriter) WriteHeader(code int) {
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		if w.state != hijacked {
			w.rw.WriteHeader(code)
		}
		return
	}
	if w.state != pending || w.code != 0 {
		return // a second final header: dropped, as net/http would
	}
	w.code = code
	// Headers changed after WriteHeader do not count, as in net/http:
	// the verdict is taken now, once.
	w.verdict = w.verdictFromHeaders()
	switch w.verdict {
	case no:
		w.commit(false)
	case yes:
		w.commit(true)
	}
}

// Write compresses p, sends it, or holds it while the choice is open.
func (w *responseWriter) Write(p []byte) (int, error) {
	switch w.state {
	case compressing:
		return w.codec.Write(p)
	case passthrough:
		return w.rw.Write(p)
	case hijacked:
		return 0, http.ErrHijacked
	}
	if w.code == 0 {
		w.WriteHeader(http.StatusOK)
		if w.state != pending {
			return w.Write(p)
		}
	}
	limit := w.c.minLength
	if len(w.buf) == 0 && len(p) >= limit {
		// One write settles it: decide on p itself, no copy.
		if err := w.commit(w.decide(p, false)); err != nil {
			return 0, err
		}
		return w.Write(p)
	}
	if cap(w.buf) < limit {
		w.buf = make([]byte, 0, limit)
	}
	n := limit - len(w.buf)
	if n >= len(p) {
		w.buf = append(w.buf, p...)
		if len(w.buf) < limit {
			return len(p), nil
		}
		n = len(p)
	} else {
		w.buf = append(w.buf, p[:n]...)
	}
	if err := w.commit(w.decide(w.buf, false)); err != nil {
		return 0, err
	}
	if n == len(p) {
		return n, nil
	}
	m, err := w.Write(p[n:])
	return n + m, err
}

// WriteString passes s on as it is when the body is not encoded, so the
// wrapped writer's own WriteString avoids a copy; an encoded body takes the
// conversion's copy (no bench row justifies lending s's bytes with unsafe).
func (w *responseWriter) WriteString(s string) (int, error) {
	if w.state == passthrough {
		return io.WriteString(w.rw, s)
	}
	return w.Write([]byte(s))
}

// ReadFrom copies src into the response. A body sent as it is goes to
// the wrapped writer's ReadFrom, so net/http still uses sendfile for it.
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	var read int64
	if w.state == pending {
		if w.code == 0 {
			w.WriteHeader(http.StatusOK)
		}
		if w.state == pending {
			limit := w.c.minLength
			if cap(w.buf) < limit {
				w.buf = make([]byte, 0, limit)
			}
			for len(w.buf) < limit {
				n, err := src.Read(w.buf[len(w.buf):limit])
				w.buf = w.buf[:len(w.buf)+n]
				read += int64(n)
				if err == io.EOF {
					return read, nil // all of it is held; close decides
				}
				if err != nil {
					return read, err
				}
			}
			if err := w.commit(w.decide(w.buf, false)); err != nil {
				return read, err
			}
		}
	}
	switch w.state {
	case passthrough:
		n, err := io.Copy(w.rw, src)
		return read + n, err
	case hijacked:
		return read, http.ErrHijacked
	}
	chunk := w.c.copyBufs.Get().(*[copyBufSize]byte)
	defer w.c.copyBufs.Put(chunk)
	n, err := io.CopyBuffer(writerOnly{w.codec}, src, chunk[:])
	return read + n, err
}

// writerOnly hides everything but Write, so io.CopyBuffer uses the
// buffer it is given.
type writerOnly struct{ io.Writer }

// Flush sends what was written so far, compressed, at once: a pending
// response is settled on the bytes held (compressed unless the headers
// or those bytes rule it out). It is a no-op, never a panic, when the
// wrapped writer cannot flush.
func (w *responseWriter) Flush() { _ = w.FlushError() }

// FlushError is Flush with the error, as http.ResponseController wants.
func (w *responseWriter) FlushError() error {
	switch w.state {
	case hijacked:
		return http.ErrHijacked
	case pending:
		if w.code == 0 {
			w.WriteHeader(http.StatusOK)
		}
		if w.state == pending {
			if err := w.commit(w.decide(w.buf, false)); err != nil {
				return err
			}
		}
	}
	if w.state == compressing {
		if err := w.codec.Flush(); err != nil {
			return err
		}
	}
	return http.NewResponseController(w.rw).Flush()
}

// Hijack hands the connection over when the wrapped writer allows it
// (HTTP/1.x); otherwise it returns an error wrapping http.ErrNotSupported.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.rw).Hijack()
	if err == nil {
		if w.codec != nil {
			w.c.codecs.put(w.enc, w.codec) // its stream is abandoned
			w.codec = nil
		}
		w.state = hijacked
	}
	return conn, brw, err
}

// close settles a response still pending with its whole body known, and
// ends the compressed stream.
func (w *responseWriter) close() error {
	switch w.state {
	case pending:
		if w.code == 0 && len(w.buf) == 0 {
			return nil // nothing written: net/http sends its empty 200
		}
		if w.code == 0 {
			w.WriteHeader(http.StatusOK)
			if w.state != pending {
				return w.close()
			}
		}
		compress := w.decide(w.buf, true)
		if !compress && bodyAllowed(w.code) {
			// The whole body is here: say how long it is, so the client
			// needs no chunked framing.
			h := w.rw.Header()
			if _, ok := h[hdrContentLength]; !ok {
				h[hdrContentLength] = []string{strconv.Itoa(len(w.buf))}
			}
		}
		if err := w.commit(compress); err != nil {
			return err
		}
		if !compress {
			return nil
		}
	case compressing:
	default:
		return nil
	}
	err := w.codec.Close()
	w.c.codecs.put(w.enc, w.codec)
	w.codec = nil
	return err
}

type verdict uint8

const (
	unknown verdict = iota
	no
	yes
)

// verdictFromHeaders is what the status and headers alone say about
// compressing: no for bodies that must stay as they are, or when the
// client takes none of our codings; yes when the length and type are
// both known and fit; unknown otherwise.
func (w *responseWriter) verdictFromHeaders() verdict {
	if w.enc == identity || !bodyAllowed(w.code) || w.code == http.StatusPartialContent {
		return no
	}
	h := w.rw.Header()
	if v := h[hdrContentEncoding]; len(v) > 0 && v[0] != "" {
		return no // encoded by the handler already
	}
	if len(h[hdrContentRange]) > 0 || hasToken(h[hdrCacheControl], "no-transform") {
		return no
	}
	cl := contentLength(h)
	if cl >= 0 && cl < int64(w.c.minLength) {
		return no
	}
	ct, typed := h[hdrContentType]
	if !typed || len(ct) == 0 || ct[0] == "" {
		return unknown // sniffed from the body, if any
	}
	if !w.c.compressibleType(ct[0]) {
		return no
	}
	if cl >= 0 {
		return yes
	}
	return unknown
}

// decide settles whether to compress, given the first body bytes (all
// of them when final). A missing Content-Type is sniffed from them and
// set, since net/http would otherwise sniff the compressed bytes.
func (w *responseWriter) decide(body []byte, final bool) bool {
	switch w.verdict {
	case no:
		return false
	case yes:
		return true
	}
	if final && len(body) < w.c.minLength {
		return false
	}
	h := w.rw.Header()
	if _, typed := h[hdrContentType]; !typed && len(body) > 0 {
		ct := http.DetectContentType(body)
		h[hdrContentType] = []string{ct}
		return w.c.compressibleType(ct)
	}
	return true // an untyped stream flushed before its first byte
}

func (s *settings) compressibleType(ct string) bool {
	return s.types.contains(ct) && !s.skip.contains(ct)
}

// commit sends the header, for a compressed body or not, and what was
// held back.
func (w *responseWriter) commit(compress bool) error {
	h := w.rw.Header()
	if !compress {
		addVary(h)
		if w.code == http.StatusNotModified && w.sentINM != nil {
			restoreETagSuffix(h, w.enc, w.sentINM)
		}
		w.state = passthrough
		w.rw.WriteHeader(w.code)
		return w.flushHeld(w.rw)
	}
	delete(h, hdrContentLength)
	delete(h, hdrAcceptRanges) // a range of the encoded body is not a range of the file
	if _, ok := h[hdrVary]; !ok {
		// The usual case, with one allocation for both values. Each
		// slice is capped so that an append by anyone copies it.
		pair := []string{hdrAcceptEncoding, w.enc.String()}
		h[hdrVary], h[hdrContentEncoding] = pair[0:1:1], pair[1:2:2]
	} else {
		addVary(h)
		h[hdrContentEncoding] = []string{w.enc.String()}
	}
	addETagSuffix(h, w.enc)
	w.rw.WriteHeader(w.code)
	codec, err := w.c.codecs.get(w.enc, w.rw, w.padding())
	if err != nil {
		w.state = passthrough // the header is out; the body is lost
		return err
	}
	w.codec, w.state = codec, compressing
	return w.flushHeld(codec)
}

func (w *responseWriter) flushHeld(dst io.Writer) error {
	if len(w.buf) == 0 {
		return nil
	}
	_, err := dst.Write(w.buf)
	w.buf = w.buf[:0]
	return err
}
