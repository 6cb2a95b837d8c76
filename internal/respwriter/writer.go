package respwriter

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync"
)

// Writer wraps an http.ResponseWriter and records what went through it.
// Its zero value is not usable; get one from New or Get.
type Writer struct {
	http.ResponseWriter

	status   int
	size     int64
	hijacked bool

	// BeforeHeader, when not nil, is called once with the header map just
	// before the final (non-1xx) header is sent, by WriteHeader or by the
	// implicit 200 of Write, ReadFrom or Flush: the last moment a
	// middleware can edit headers that the handler below it set.
	BeforeHeader func(http.Header)
}

var (
	_ http.Flusher        = (*Writer)(nil)
	_ http.Hijacker       = (*Writer)(nil)
	_ io.ReaderFrom       = (*Writer)(nil)
	_ io.StringWriter     = (*Writer)(nil)
	_ rwUnwrapper         = (*Writer)(nil)
	_ http.ResponseWriter = (*Writer)(nil)
)

type rwUnwrapper interface{ Unwrap() http.ResponseWriter }

// New returns a Writer around w.
func New(w http.ResponseWriter) *Writer { return &Writer{ResponseWriter: w} }

var pool = sync.Pool{New: func() any { return new(Writer) }}

// Get returns a pooled Writer around w. Call Put once the handler that
// received it has returned and nothing holds it any more.
func Get(w http.ResponseWriter) *Writer {
	rw := pool.Get().(*Writer)
	rw.ResponseWriter = w
	return rw
}

// Put clears rw and returns it to the pool.
func Put(rw *Writer) {
	*rw = Writer{}
	pool.Put(rw)
}

// Status is the final status written, 0 if none was yet.
// A hijacked connection reports 101 when nothing was written before.
func (w *Writer) Status() int { return w.status }

// Size is the number of body bytes written.
func (w *Writer) Size() int64 { return w.size }

// Written reports whether the final header was sent or the connection
// hijacked: after that, nobody may write an error page.
func (w *Writer) Written() bool { return w.status != 0 }

// Hijacked reports whether the connection was taken over.
func (w *Writer) Hijacked() bool { return w.hijacked }

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// WriteHeader sends the header. Informational codes (1xx other than 101)
// pass through and may be followed by more, as net/http allows.
func (w *Writer) WriteHeader(code int) {
	if w.status != 0 {
		return // a second final header: drop it, as net/http would, without noise
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.status = code
	if w.BeforeHeader != nil {
		w.BeforeHeader(w.ResponseWriter.Header())
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write sends body bytes, with an implicit 200 first.
func (w *Writer) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(p)
	w.size += int64(n)
	return n, err
}

// WriteString avoids a copy when the wrapped writer can take strings.
func (w *Writer) WriteString(s string) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	n, err := io.WriteString(w.ResponseWriter, s)
	w.size += int64(n)
	return n, err
}

// ReadFrom hands the copy to the wrapped writer's ReadFrom when it has one,
// which for net/http's writer means sendfile(2) for files.
func (w *Writer) ReadFrom(src io.Reader) (int64, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	var n int64
	var err error
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		// writerOnly hides our own ReadFrom so io.Copy cannot loop back here.
		n, err = io.Copy(writerOnly{w.ResponseWriter}, src)
	}
	w.size += n
	return n, err
}

type writerOnly struct{ io.Writer }

// Flush sends buffered data to the client. It is a no-op, never a panic,
// when the wrapped writer cannot flush.
func (w *Writer) Flush() {
	_ = w.FlushError()
}

// FlushError is Flush with the error reported, as http.ResponseController
// looks for. A flush sends the header, so an implicit 200 is recorded.
func (w *Writer) FlushError() error {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack takes over the connection when the wrapped writer allows it
// (HTTP/1.x); otherwise it returns an error wrapping http.ErrNotSupported.
func (w *Writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
		if w.status == 0 {
			w.status = http.StatusSwitchingProtocols
		}
	}
	return conn, brw, err
}
