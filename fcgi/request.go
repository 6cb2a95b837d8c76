package fcgi

import (
	"errors"
	"io"
)

// writeRequest sends FCGI_BEGIN_REQUEST, the FCGI_PARAMS records (framed
// by appendParams), and the body on stdin. Everything up to the first body
// bytes goes out in one write, and a request without a body (the usual
// GET) in a single one.
func (c *conn) writeRequest(params []byte, body *requestBody) error {
	b := appendBeginRequest(c.wbuf[:0])
	b = append(b, params...)
	if body.r == nil {
		b = appendRecordHeader(b, recStdin, 0)
		c.wbuf = b
		return c.write(b)
	}
	// Stream the body in records of up to stdinChunk bytes, read straight
	// into the buffer behind their header.
	const stdinChunk = 32 << 10
	for {
		start := len(b)
		b = appendRecordHeader(b, recStdin, 0)
		if cap(b)-len(b) < stdinChunk+8 {
			nb := make([]byte, len(b), len(b)+stdinChunk+8)
			copy(nb, b)
			b = nb
		}
		n, rerr := body.Read(b[len(b) : len(b)+stdinChunk])
		if n > 0 {
			b = b[:len(b)+n]
			b[start+4], b[start+5], b[start+6] = byte(n>>8), byte(n), byte(-n&7)
			b = appendPadding(b, n)
		} else {
			b = b[:start]
		}
		if rerr != nil {
			b = appendRecordHeader(b, recStdin, 0)
			c.wbuf = b
			if errors.Is(rerr, io.EOF) {
				return c.write(b)
			}
			return &bodyError{rerr}
		}
		if err := c.write(b); err != nil {
			c.wbuf = b
			return err
		}
		b = b[:0]
	}
}

// bodyError is a failure to read the client's body, not the server's fault.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "fcgi: reading request body: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }
