package logger

import (
	"net/http"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/respwriter"
)

// handler is a Logger around one next Handler.
type handler struct {
	l    *Logger
	next httpmw.Handler
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) (int, error) {
	l := h.l
	if !l.applies(r.URL.Path) {
		return h.next.ServeHTTP(w, r)
	}
	start := l.clock.now()
	// Our own recorder, even if an outer one exists: the size logged is
	// what passed this point of the chain.
	rw := respwriter.Get(w)
	finished := false
	defer func() {
		if !finished {
			// next panicked (or called runtime.Goexit): the adapter answers
			// 500 or aborts the connection. Log that and let the panic go on
			// untouched. rw is not pooled again: the panic may still hold it.
			l.log(r, rw, start, http.StatusInternalServerError)
		}
	}()
	status, err := h.next.ServeHTTP(rw, r)
	finished = true
	l.log(r, rw, start, loggedStatus(status, rw))
	respwriter.Put(rw)
	return status, err
}

// loggedStatus is the status the client receives: the one written (101 for
// a hijack), else the error status the caller will write, else the 200
// net/http sends for a handler that wrote nothing.
func loggedStatus(returned int, rw *respwriter.Writer) int {
	switch {
	case rw.Written():
		return rw.Status()
	case returned != 0:
		return returned
	default:
		return http.StatusOK
	}
}

func (l *Logger) log(r *http.Request, rw *respwriter.Writer, start time.Time, status int) {
	e := entry{r: r, header: rw.Header(), start: start, status: status, size: rw.Size()}
	if l.slog != nil || l.format.latency {
		e.dur = l.clock.now().Sub(start)
	}
	if r.Method == http.MethodHead {
		e.size = 0 // net/http drops a HEAD body; log what the client got
	}
	if l.slog != nil {
		l.logRecord(&e)
		return
	}
	b := l.lines.get()
	*b = l.appendLine(*b, &e)
	l.sink.write(b)
}
