package main

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/gorilla/handlers"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/logger"
)

// loggerComparisons logs the same request through ours, gorilla/handlers
// and chi's middleware.Logger (its DefaultLogFormatter, no colour), first
// to io.Discard, where only formatting shows, then to a real file, where
// the write(2) per line dominates.
func loggerComparisons() []Comparison {
	// Write, not io.WriteString: the harness's discard writer has no
	// WriteString, and the conversion would add an allocation to every side.
	body := []byte("hello")
	hello := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(body) })
	ours := func(cfg logger.Config) func(io.Writer, string) (http.Handler, func(), error) {
		return func(w io.Writer, path string) (http.Handler, func(), error) {
			if path != "" {
				cfg.File = path
			} else {
				cfg.Output = w
			}
			l, err := logger.New(cfg)
			if err != nil {
				return nil, nil, err
			}
			return httpmw.ToHTTP(l.Middleware(httpmw.FromHTTP(hello))), func() { l.Close() }, nil
		}
	}
	gorillaCombined := peerLogger(func(w io.Writer) http.Handler { return handlers.CombinedLoggingHandler(w, hello) })
	gorillaCommon := peerLogger(func(w io.Writer) http.Handler { return handlers.LoggingHandler(w, hello) })
	chiLogger := peerLogger(func(w io.Writer) http.Handler {
		f := &middleware.DefaultLogFormatter{Logger: log.New(w, "", log.LstdFlags), NoColor: true}
		return middleware.RequestLogger(f)(hello)
	})

	combinedPeers := func(toFile bool) []Peer {
		return []Peer{
			{"gorilla CombinedLoggingHandler", logBench(toFile, gorillaCombined)},
			{"chi middleware.Logger", logBench(toFile, chiLogger)},
		}
	}
	return []Comparison{
		{
			Package: "logger", Case: "Combined to io.Discard",
			Ours:  logBench(false, ours(logger.Config{Format: logger.Combined})),
			Peers: combinedPeers(false),
		},
		{
			Package: "logger", Case: "Common to io.Discard",
			Ours:  logBench(false, ours(logger.Config{})),
			Peers: []Peer{{"gorilla LoggingHandler", logBench(false, gorillaCommon)}},
		},
		{
			Package: "logger", Case: "Combined to file",
			Ours:  logBench(true, ours(logger.Config{Format: logger.Combined})),
			Peers: combinedPeers(true),
		},
		{
			// The peers have no queue; they are here as the synchronous cost.
			Package: "logger", Case: "Combined to file, Async",
			Ours:  logBench(true, ours(logger.Config{Format: logger.Combined, Async: true, QueueSize: 1 << 16})),
			Peers: combinedPeers(true),
		},
	}
}

// peerLogger adapts a peer that takes a writer to logBench's shape; for a
// file it opens the file the way a user would.
func peerLogger(mk func(io.Writer) http.Handler) func(io.Writer, string) (http.Handler, func(), error) {
	return func(w io.Writer, path string) (http.Handler, func(), error) {
		if path == "" {
			return mk(w), func() {}, nil
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			return nil, nil, err
		}
		return mk(f), func() { f.Close() }, nil
	}
}

// logBench serves one typical browser request per op through the handler
// mk builds, writing to io.Discard or to a fresh file in a temp folder.
func logBench(toFile bool, mk func(w io.Writer, path string) (http.Handler, func(), error)) Runner {
	return func() (Figures, error) {
		path := ""
		if toFile {
			dir, err := os.MkdirTemp("", "httpmw-bench-logger-")
			if err != nil {
				return nil, err
			}
			defer os.RemoveAll(dir)
			path = filepath.Join(dir, "access.log")
		}
		h, done, err := mk(io.Discard, path)
		if err != nil {
			return nil, err
		}
		defer done()
		return GoBench(func(b *testing.B) {
			w := &discard{h: http.Header{}}
			r := httptest.NewRequest("GET", "/articles/2026/11/29/zero-allocation-logging?utm_source=feed", nil)
			r.RemoteAddr = "203.0.113.7:52144"
			r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
			r.Header.Set("Referer", "https://news.example.com/")
			for b.Loop() {
				h.ServeHTTP(w, r)
			}
		})()
	}
}
