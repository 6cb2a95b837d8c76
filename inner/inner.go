package inner

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/urlpath"
)

// Internal hides internal paths from clients and serves them when a
// backend below it redirects there. It is safe for concurrent use; make
// one with New.
type Internal struct {
	*settings
	writers sync.Pool // *writer
}

// New validates c and returns an Internal, or a *httpmw.ConfigError naming the
// first bad field.
func New(c Config) (*Internal, error) {
	s, err := c.settings()
	if err != nil {
		return nil, err
	}
	return &Internal{settings: s, writers: sync.Pool{New: func() any { return new(writer) }}}, nil
}

// Middleware answers 404, unwritten, for a request to an internal path,
// and otherwise serves the request through next. When next's response
// carries the redirect header, that response is dropped (its status,
// headers and body) and next serves the path the header names instead,
// as a GET (a HEAD stays a HEAD) without a body; the query is the
// header's when it has one, else the request's.
func (in *Internal) Middleware(next httpmw.Handler) httpmw.Handler {
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		for _, p := range in.paths {
			if p.Matches(r.URL.Path) {
				return http.StatusNotFound, nil
			}
		}
		return in.serve(next, w, r)
	})
}

func (in *Internal) serve(next httpmw.Handler, w http.ResponseWriter, r *http.Request) (int, error) {
	// Headers set above this middleware (before next ran) are all a
	// redirected response keeps of the first one.
	h := w.Header()
	var saved http.Header
	if len(h) > 0 {
		saved = h.Clone()
	}
	iw := in.writers.Get().(*writer)
	*iw = writer{ResponseWriter: w, header: in.header}
	defer func() {
		*iw = writer{}
		in.writers.Put(iw)
	}()

	status, err := next.ServeHTTP(iw, r)
	for n := 0; ; n++ {
		iw.swallow() // a response that wrote nothing decides here
		if iw.target == "" {
			return status, err
		}
		target := iw.target
		restore(h, saved)
		if n == in.max {
			return http.StatusInternalServerError,
				fmt.Errorf("inner: more than %d internal redirects for %s, the last to %q", in.max, r.URL.Path, target)
		}
		r2, rerr := redirected(r, target)
		if rerr != nil {
			return http.StatusBadGateway, fmt.Errorf("inner: %s from the backend: %w", in.header, rerr)
		}
		*iw = writer{ResponseWriter: w, header: in.header}
		status, err = next.ServeHTTP(iw, r2)
	}
}

// restore makes h what saved was.
func restore(h, saved http.Header) {
	for k := range h {
		delete(h, k)
	}
	for k, v := range saved {
		h[k] = v
	}
}

// redirected is r sent to target: an absolute path, percent-encoded,
// with an optional query. Its body was for the backend, which had it.
func redirected(r *http.Request, target string) (*http.Request, error) {
	p, q, hasQuery := strings.Cut(target, "?")
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("%q: not an absolute path", target)
	}
	p, err := url.PathUnescape(p)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", target, err)
	}
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path, u.RawPath = urlpath.Clean(p), ""
	if hasQuery {
		u.RawQuery = q
	}
	r2.URL = &u
	if r.Method != http.MethodHead {
		r2.Method = http.MethodGet
	}
	r2.Body, r2.ContentLength, r2.TransferEncoding = http.NoBody, 0, nil
	r2.Header = r.Header.Clone()
	for _, k := range []string{"Content-Length", "Content-Type", "Content-Encoding", "Transfer-Encoding", "Expect"} {
		r2.Header.Del(k)
	}
	return r2, nil
}
