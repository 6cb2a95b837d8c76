package main

import (
	"net/http"
	"time"
)

// Timeouts of the site's and the inspector's http.Servers. A request head
// must come within readHeaderTimeout and a whole request within
// readTimeout; a kept-alive connection may sit idle for idleTimeout.
//
// A fixed WriteTimeout would cut every download that takes longer, and a
// dev server serves files of any size, over a tunnel of any speed. So
// writeTimeout bounds only the wait for the first byte of a response, and
// after that each write gets writeTimeout of its own (progressDeadlines):
// a download runs as long as it moves, and a client that stops reading is
// cut writeTimeout later, as nginx's send_timeout does.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 2 * time.Minute
)

// newServer is an http.Server for h with the timeouts above.
func newServer(h http.Handler) *http.Server {
	return timedServer(h, readHeaderTimeout, readTimeout, writeTimeout, idleTimeout)
}

func timedServer(h http.Handler, readHeader, read, write, idle time.Duration) *http.Server {
	return &http.Server{
		Handler:           progressDeadlines(h, write),
		ReadHeaderTimeout: readHeader,
		ReadTimeout:       read,
		WriteTimeout:      write,
		IdleTimeout:       idle,
	}
}

// progressDeadlines moves each response's write deadline d ahead of every
// write. (ReadTimeout needs no such care: net/http lifts it once the
// request body has been read.)
func progressDeadlines(h http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		h.ServeHTTP(&deadlineWriter{ResponseWriter: w, rc: rc, d: d}, r)
	})
}

// deadlineWriter renews the write deadline before each write. It has no
// ReadFrom on purpose: a file then goes out in io.Copy's chunks, each with
// a deadline of its own, instead of one sendfile call with a single one.
type deadlineWriter struct {
	http.ResponseWriter
	rc *http.ResponseController
	d  time.Duration
}

func (w *deadlineWriter) Write(p []byte) (int, error) {
	w.rc.SetWriteDeadline(time.Now().Add(w.d))
	return w.ResponseWriter.Write(p)
}

// Flush keeps streaming responses streaming.
func (w *deadlineWriter) Flush() {
	w.rc.SetWriteDeadline(time.Now().Add(w.d))
	w.rc.Flush()
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
