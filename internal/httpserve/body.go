package httpserve

import (
	"io"
	"net/http"
	"time"
)

// bodyProgress reads each request body under a deadline: the body must
// deliver Progress bytes, or end, within timeout of time spent waiting in
// Read. A client that sends a byte now and then is cut off; a long upload
// at any useful speed is not.
func bodyProgress(h http.Handler, timeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			rc := http.NewResponseController(w)
			// For a handler that never reads the body: http.Server
			// discards it before the response, and must not wait forever.
			_ = rc.SetReadDeadline(time.Now().Add(timeout))
			r.Body = &body{ReadCloser: r.Body, rc: rc, timeout: timeout}
		}
		h.ServeHTTP(w, r)
	})
}

type body struct {
	io.ReadCloser
	rc      *http.ResponseController
	timeout time.Duration
	waited  time.Duration // spent in Read since the last Progress bytes
	got     int           // bytes since then
	done    bool
}

func (b *body) Read(p []byte) (int, error) {
	if b.done {
		return b.ReadCloser.Read(p)
	}
	start := time.Now()
	// An error here (a writer without deadlines, as in httptest's
	// recorder) leaves the body without one, as http.Server would.
	_ = b.rc.SetReadDeadline(start.Add(b.timeout - b.waited))
	n, err := b.ReadCloser.Read(p)
	b.got += n
	b.waited += time.Since(start)
	if b.got >= Progress {
		b.got, b.waited = 0, 0
	}
	if err != nil {
		// At the end, http.Server clears the deadline itself before it
		// reads in the background. After a timeout the deadline stays in
		// the past, so that http.Server, which discards an unread body
		// before it answers, gives up at once rather than wait for the
		// drip to end.
		b.done = true
	}
	return n, err
}
