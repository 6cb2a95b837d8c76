package inspect

import (
	"io"
)

// capture keeps the first limit bytes written to it and counts the rest.
type capture struct {
	limit int
	buf   []byte
	total int64
}

func (c *capture) Write(p []byte) (int, error) {
	c.total += int64(len(p))
	if room := c.limit - len(c.buf); room > 0 {
		c.buf = append(c.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (c *capture) full() bool { return len(c.buf) >= c.limit }

func (c *capture) body() Body {
	return Body{Body: c.buf, BodySize: c.total, Truncated: c.total > int64(len(c.buf))}
}

// teeBody hands the request body to the handler unchanged and copies what
// the handler reads into a capture.
type teeBody struct {
	rc  io.ReadCloser
	cap *capture
	eof bool
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.rc.Read(p)
	t.cap.Write(p[:n])
	if err == io.EOF {
		t.eof = true
	}
	return n, err
}

func (t *teeBody) Close() error { return t.rc.Close() }

// finish reads what the handler left of the body, up to the capture limit
// plus one byte (to know whether it was cut), so a body the handler ignored
// is still shown. net/http would read and discard it anyway to reuse the
// connection.
func (t *teeBody) finish() {
	if t.eof {
		return
	}
	room := int64(t.cap.limit-len(t.cap.buf)) + 1
	n, err := io.Copy(t.cap, io.LimitReader(t.rc, room))
	if err == nil && n < room {
		t.eof = true
	}
}
