package fcgi

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/httpmw/httpmw/internal/bodyerr"
)

// requestBody is what goes to the script's stdin: the whole request body,
// read from the client before a FastCGI connection is taken.
type requestBody struct {
	r      io.ReadSeeker // nil: no body
	length int64         // CONTENT_LENGTH; -1 when there is no body
	file   *os.File      // the spool file, if the body is in one
}

func (b *requestBody) Read(p []byte) (int, error) { return b.r.Read(p) }

// replayable rewinds the body for another send and reports whether that
// worked.
func (b *requestBody) replayable() bool {
	if b.r == nil {
		return true
	}
	_, err := b.r.Seek(0, io.SeekStart)
	return err == nil
}

// close releases the spool file.
func (b *requestBody) close() {
	if b.file != nil {
		b.file.Close()
	}
}

// readBody reads the request body whole, in memory up to SpoolMemory and
// in a temporary file beyond, before any FastCGI connection is taken: a
// client that uploads slowly then holds a goroutine and a buffer, never a
// php-fpm worker. Every read waits at most BodyTimeout; a body past
// MaxSpool is refused. The status is what serve returns on failure.
//
// The caller must close the body; a spool file is already unlinked, so
// closing it frees its disk space whatever ends the request.
func (s *settings) readBody(w http.ResponseWriter, r *http.Request) (requestBody, int, error) {
	b := requestBody{length: -1}
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return b, 0, nil // no body: no buffer, no reader, no allocation
	}
	if r.ContentLength > s.MaxSpool {
		return b, http.StatusRequestEntityTooLarge, ErrBodyTooLarge
	}
	src := &timedReader{r: r.Body, rc: http.NewResponseController(w), d: s.BodyTimeout}
	in := io.Reader(src)
	if r.ContentLength > 0 {
		in = io.LimitReader(src, r.ContentLength)
	}

	// One byte more than SpoolMemory tells a body that does not fit; a
	// small body of known length gets a buffer of its size.
	size := s.SpoolMemory + 1
	if r.ContentLength > 0 && r.ContentLength <= s.SpoolMemory {
		size = r.ContentLength
	}
	mem := make([]byte, size)
	n, err := readUpTo(in, mem)
	if err != nil {
		status, err := bodyFailure(r, err)
		return b, status, err
	}
	total := int64(n)
	if total <= s.SpoolMemory {
		b.r = bytes.NewReader(mem[:n])
	} else {
		f, err := os.CreateTemp(s.TempDir, "fcgi-body-*")
		if err != nil {
			return b, http.StatusInternalServerError, fmt.Errorf("fcgi: spooling body: %w", err)
		}
		// Unlinked at once: the space is freed when f is closed, even if
		// the process dies first.
		_ = os.Remove(f.Name())
		b.file = f
		var status int
		total, status, err = s.spool(f, mem[:n], in, r)
		if err != nil {
			f.Close()
			return b, status, err
		}
		b.r = f
	}
	if total > s.MaxSpool {
		b.close()
		return b, http.StatusRequestEntityTooLarge, ErrBodyTooLarge
	}
	if r.ContentLength > 0 && total != r.ContentLength {
		b.close()
		status, err := bodyFailure(r, io.ErrUnexpectedEOF)
		return b, status, err
	}
	// The body is read: lift the deadline, so that it cannot end the
	// connection (and with it the request's context) while the script runs.
	src.clear()
	b.length = total
	return b, 0, nil
}

// spool writes head and the rest of in, up to one byte past MaxSpool, to f
// and rewinds it; total is the bytes written. head's array is reused as
// the copy buffer.
func (s *settings) spool(f *os.File, head []byte, in io.Reader, r *http.Request) (total int64, status int, err error) {
	rest := io.LimitReader(in, max(0, s.MaxSpool+1-int64(len(head))))
	buf := head[:cap(head)]
	n := len(head)
	for {
		if n > 0 {
			if _, err := f.Write(buf[:n]); err != nil {
				return 0, http.StatusInternalServerError, fmt.Errorf("fcgi: spooling body: %w", err)
			}
			total += int64(n)
		}
		var rerr error
		n, rerr = rest.Read(buf)
		if rerr == io.EOF && n == 0 {
			break
		}
		if rerr != nil && rerr != io.EOF {
			status, err = bodyFailure(r, rerr)
			return 0, status, err
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, http.StatusInternalServerError, fmt.Errorf("fcgi: spooling body: %w", err)
	}
	return total, 0, nil
}

// readUpTo reads into p until it is full or r ends, which is no error.
func readUpTo(r io.Reader, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k, err := r.Read(p[n:])
		n += k
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// bodyFailure maps a failure to read the client's body to a status: the
// client's fault in every case, never the FastCGI server's.
func bodyFailure(r *http.Request, err error) (int, error) {
	switch status := bodyerr.Status(r.Context(), err); status {
	case http.StatusRequestTimeout:
		return status, fmt.Errorf("%w: %w", ErrBodyTimeout, err)
	case http.StatusRequestEntityTooLarge: // an outer http.MaxBytesReader
		return status, fmt.Errorf("%w: %w", ErrBodyTooLarge, err)
	case bodyerr.ClientClosed:
		return status, fmt.Errorf("fcgi: client gone: %w", err)
	default:
		return status, fmt.Errorf("%w: reading body: %w", ErrBadRequest, err)
	}
}

// timedReader gives each read of the client's body BodyTimeout, as nginx's
// client_body_timeout does, through the connection's read deadline.
type timedReader struct {
	r   io.Reader
	rc  *http.ResponseController
	d   time.Duration
	off bool // the ResponseWriter cannot set read deadlines
}

func (t *timedReader) Read(p []byte) (int, error) {
	if !t.off && t.rc.SetReadDeadline(time.Now().Add(t.d)) != nil {
		t.off = true
	}
	return t.r.Read(p)
}

// clear removes the deadline once the body is read.
func (t *timedReader) clear() {
	if !t.off {
		_ = t.rc.SetReadDeadline(time.Time{})
	}
}
