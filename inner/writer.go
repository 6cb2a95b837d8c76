package inner

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// writer holds back a response that carries the redirect header: the
// header is looked at once, when the response would start (WriteHeader,
// the first Write, a Flush); with it set, nothing of that response is
// sent, and target records where to go instead.
type writer struct {
	http.ResponseWriter
	header  string // canonical name of the redirect header
	decided bool   // the response started: passed through, or swallowed
	target  string // the redirect header's value when swallowed
}

var (
	_ http.Flusher  = (*writer)(nil)
	_ http.Hijacker = (*writer)(nil)
	_ io.ReaderFrom = (*writer)(nil)
)

// swallow decides, on the first call, whether the response is an
// internal redirect, and reports whether it is.
func (w *writer) swallow() bool {
	if !w.decided {
		w.decided = true
		if v := w.ResponseWriter.Header()[w.header]; len(v) > 0 {
			w.target = v[0]
		}
	}
	return w.target != ""
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *writer) WriteHeader(code int) {
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		if w.ResponseWriter.Header()[w.header] == nil {
			w.ResponseWriter.WriteHeader(code) // 103 Early Hints and the like
		}
		return
	}
	if !w.swallow() {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *writer) Write(p []byte) (int, error) {
	if w.swallow() {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// ReadFrom keeps sendfile for a response passed through.
func (w *writer) ReadFrom(src io.Reader) (int64, error) {
	if w.swallow() {
		return io.Copy(io.Discard, src)
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(writerOnly{w.ResponseWriter}, src)
}

type writerOnly struct{ io.Writer }

// Flush sends what is buffered, unless the response is being replaced.
func (w *writer) Flush() { _ = w.FlushError() }

// FlushError is Flush with the error, as http.ResponseController wants.
func (w *writer) FlushError() error {
	if w.swallow() {
		return nil
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack hands the connection over; a redirect is moot after that.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.decided = true
	return http.NewResponseController(w.ResponseWriter).Hijack()
}
