package errorpage

import (
	"fmt"
	"net/http"
	"os"
	"runtime/debug"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/respwriter"
)

// Pages renders the error responses of the handlers below it and logs
// their errors. It is safe for concurrent use; make one with New.
type Pages struct {
	*settings
	log *errorLog
	dir *os.Root // Root opened once; nil when it is followed at each error
}

// New validates c and returns Pages, or a *httpmw.ConfigError naming the first
// bad field. Missing page files are not an error here: they are looked
// for at each error, and their absence is logged then.
func New(c Config) (*Pages, error) {
	s, err := c.settings()
	if err != nil {
		return nil, err
	}
	p := &Pages{settings: s, log: newErrorLog(c.Log, c.Slog)}
	if !s.follow {
		if p.dir, err = os.OpenRoot(s.root); err != nil {
			return nil, invalid("Root", "%v", err)
		}
	}
	return p, nil
}

// Close releases the folder New opened. Pages answers with plain text
// pages after that.
func (p *Pages) Close() error {
	if p.dir == nil {
		return nil
	}
	return p.dir.Close()
}

// Middleware renders the error page when next returns a status >= 400
// without writing, logs every error next returns, and recovers a panic
// in next as a 500. Errors are reported here, once: the handler it
// returns gives nil errors to the middleware above it, and 0 (written)
// for the errors it rendered.
func (p *Pages) Middleware(next httpmw.Handler) httpmw.Handler {
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		return p.serve(next, w, r)
	})
}

func (p *Pages) serve(next httpmw.Handler, w http.ResponseWriter, r *http.Request) (status int, err error) {
	rw := respwriter.Get(w)
	defer respwriter.Put(rw)
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler {
			panic(v) // net/http's own signal to drop the connection quietly
		}
		p.log.panic(r, v, debug.Stack())
		if rw.Written() {
			// Part of the response is out: a 500 now would be appended to
			// it. Drop the connection so the client sees a broken response.
			panic(http.ErrAbortHandler)
		}
		detail := ""
		if p.visible {
			detail = fmt.Sprintf("panic: %v", v)
		}
		p.render(rw, r, http.StatusInternalServerError, detail)
		status, err = 0, nil
	}()

	status, err = next.ServeHTTP(rw, r)
	if err != nil {
		p.log.error(r, status, err)
	}
	if status >= 400 && !rw.Written() {
		detail := ""
		if p.visible && err != nil {
			detail = err.Error()
		}
		p.render(rw, r, status, detail)
		return 0, nil
	}
	return status, nil
}
