package fcgi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
)

// requestBody is what goes to the script's stdin.
type requestBody struct {
	r      io.Reader // nil: no body
	length int64     // CONTENT_LENGTH; -1 when there is no body
	read   int64     // bytes taken from r so far
	rewind func() error
	clean  func()
}

func (b *requestBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += int64(n)
	return n, err
}

// replayable reports whether the body can be sent again on a retry.
func (b *requestBody) replayable() bool {
	if b.r == nil || b.read == 0 {
		return true
	}
	if b.rewind != nil && b.rewind() == nil {
		b.read = 0
		return true
	}
	return false
}

// prepareBody streams a body of known length as it comes. A body without
// one (chunked) is spooled first, in memory up to SpoolMemory and in a
// temporary file beyond, because FastCGI servers want CONTENT_LENGTH.
func (s *settings) prepareBody(r *http.Request) (*requestBody, int, error) {
	b := &requestBody{length: -1, clean: func() {}}
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return b, 0, nil
	}
	if r.ContentLength > 0 {
		b.r, b.length = io.LimitReader(r.Body, r.ContentLength), r.ContentLength
		return b, 0, nil
	}
	mem, err := io.ReadAll(io.LimitReader(r.Body, s.SpoolMemory+1))
	if err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("%w: reading body: %w", ErrBadRequest, err)
	}
	if int64(len(mem)) <= s.SpoolMemory {
		if int64(len(mem)) > s.MaxSpool {
			return nil, http.StatusRequestEntityTooLarge, ErrBodyTooLarge
		}
		br := bytes.NewReader(mem)
		b.r, b.length = br, int64(len(mem))
		b.rewind = func() error { _, err := br.Seek(0, io.SeekStart); return err }
		return b, 0, nil
	}
	f, err := os.CreateTemp(s.TempDir, "fcgi-body-*")
	if err != nil {
		return nil, http.StatusInternalServerError, fmt.Errorf("fcgi: spooling body: %w", err)
	}
	b.clean = func() { f.Close(); os.Remove(f.Name()) }
	n, err := io.Copy(f, io.MultiReader(bytes.NewReader(mem), io.LimitReader(r.Body, s.MaxSpool+1-int64(len(mem)))))
	if err == nil && n > s.MaxSpool {
		err = ErrBodyTooLarge
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		b.clean()
		if errors.Is(err, ErrBodyTooLarge) {
			return nil, http.StatusRequestEntityTooLarge, err
		}
		return nil, http.StatusBadRequest, fmt.Errorf("%w: spooling body: %w", ErrBadRequest, err)
	}
	b.r, b.length = f, n
	b.rewind = func() error { _, err := f.Seek(0, io.SeekStart); return err }
	return b, 0, nil
}
