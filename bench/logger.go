package main

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

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
	ours := func(cfg logger.Config) logSetup {
		return func(w io.Writer, path string) (http.Handler, func() Figures, error) {
			if path != "" {
				cfg.File = path
			} else {
				cfg.Output = w
			}
			l, err := logger.New(cfg)
			if err != nil {
				return nil, nil, err
			}
			var served float64
			count := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served++; hello(w, r) })
			done := func() Figures {
				l.Close()
				if !cfg.Async {
					return nil
				}
				// Async may win by dropping: show how much it dropped.
				return Figures{"dropped %": 100 * float64(l.Dropped()) / served}
			}
			return httpmw.ToHTTP(l.Middleware(httpmw.FromHTTP(count))), done, nil
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
			Ours:  logBench(true, ours(logger.Config{Format: logger.Combined, Async: true})),
			Peers: combinedPeers(true),
		},
	}
}

// logSetup builds a logging handler that writes to w, or to the file at
// path when path is set; done stops it and returns any extra figures.
type logSetup func(w io.Writer, path string) (h http.Handler, done func() Figures, err error)

// peerLogger adapts a peer that takes a writer to logSetup; for a file it
// opens the file the way a user would.
func peerLogger(mk func(io.Writer) http.Handler) logSetup {
	return func(w io.Writer, path string) (http.Handler, func() Figures, error) {
		if path == "" {
			return mk(w), func() Figures { return nil }, nil
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			return nil, nil, err
		}
		return mk(f), func() Figures { f.Close(); return nil }, nil
	}
}

// logBench serves one typical browser request per op through the handler
// mk builds, writing to io.Discard or to a fresh file in a temp folder.
// Timing is best-of-rounds (timeRounds in gzip.go), as the machine is shared.
func logBench(toFile bool, mk logSetup) Runner {
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
		w := &discard{h: http.Header{}}
		r := httptest.NewRequest("GET", "/articles/2026/11/29/zero-allocation-logging?utm_source=feed", nil)
		r.RemoteAddr = "203.0.113.7:52144"
		r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
		r.Header.Set("Referer", "https://news.example.com/")
		serve := func() { h.ServeHTTP(w, r) }

		best, median := timeRounds(serve, time.Second)
		allocs, bytes := allocsPerOp(serve, 2000)
		figures := Figures{"ns/op": best, "ns/op median": median, "allocs/op": allocs, "B/op": bytes}
		for k, v := range done() {
			figures[k] = v
		}
		return figures, nil
	}
}
