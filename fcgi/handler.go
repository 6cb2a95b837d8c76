package fcgi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/httpmw/httpmw"
)

// Handler sends matching requests to FastCGI servers such as php-fpm. It
// holds pooled connections: Close it when done. It is safe for concurrent
// use.
type Handler struct {
	s         *settings
	upstreams upstreams
	except    []httpmw.Path
	params    sync.Pool // *params, so the CGI environment costs no allocation
}

// New checks cfg and returns a Handler for it. It does not contact the
// endpoints: a php-fpm that is down gets 502s until it is up.
func New(cfg Config) (*Handler, error) {
	s, err := cfg.settings()
	if err != nil {
		return nil, err
	}
	h := &Handler{s: s, upstreams: newUpstreams(s)}
	for _, e := range s.except {
		h.except = append(h.except, httpmw.Path{Base: e})
	}
	h.params.New = func() any { return &params{b: make([]byte, 0, 2048)} }
	return h, nil
}

// Close closes idle connections; connections serving a request close when
// it ends. Requests after Close get 502.
func (h *Handler) Close() error {
	h.upstreams.close()
	return nil
}

// Middleware serves matching requests and passes the others to next. Its
// signature is httpmw.Middleware's: use h.Middleware in httpmw.Chain.
func (h *Handler) Middleware(next httpmw.Handler) httpmw.Handler {
	if next == nil {
		next = notFound
	}
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		return h.serve(w, r, next)
	})
}

// ServeHTTP is h.Middleware(nil): requests that do not match get 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) (int, error) {
	return h.serve(w, r, notFound)
}

var notFound = httpmw.HandlerFunc(func(http.ResponseWriter, *http.Request) (int, error) {
	return http.StatusNotFound, nil
})

// serve implements the Handler contract: >= 400 means nothing written.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, next httpmw.Handler) (int, error) {
	t, status, err := h.route(r.URL.Path)
	if err != nil || status == http.StatusNotFound {
		return status, err
	}
	if status == 0 {
		return next.ServeHTTP(w, r)
	}

	body, status, err := h.s.prepareBody(r)
	if err != nil {
		return status, err
	}
	defer body.clean()

	p := h.params.Get().(*params)
	defer func() {
		if cap(p.b) <= 64<<10 {
			p.b = p.b[:0]
			h.params.Put(p)
		}
	}()
	p.b = p.b[:0]
	p.nul = false
	if err := h.s.buildParams(p, r, t, body.length); err != nil {
		return http.StatusBadRequest, err
	}
	return h.roundTrip(w, r, p.b, body)
}

// route maps a URL path to a script. status 0 means "not ours" (next),
// 404 a script that does not exist, 200 a target to run.
func (h *Handler) route(urlPath string) (target, int, error) {
	if strings.IndexByte(urlPath, 0) >= 0 {
		return target{}, http.StatusBadRequest, fmt.Errorf("%w: NUL byte in path", ErrBadRequest)
	}
	p := cleanRequestPath(urlPath)
	for _, e := range h.except {
		if e.Matches(p) {
			return target{}, 0, nil
		}
	}
	if strings.HasSuffix(p, "/") {
		for _, idx := range h.s.Index {
			if isFile(h.filename(p + idx)) {
				p += idx
				break
			}
		}
	}
	script, pathInfo, ok := splitScript(p, h.s.split)
	if !ok {
		if h.s.ext == "" || !hasSuffixFoldASCII(p, h.s.ext) {
			return target{}, 0, nil
		}
		script, pathInfo = p, ""
	}
	// Only an existing regular file is sent. php-fpm with
	// cgi.fix_pathinfo=1 would otherwise walk a missing
	// /uploads/evil.jpg/x.php back to evil.jpg and run the upload.
	filename := h.filename(script)
	if !isFile(filename) {
		return target{}, http.StatusNotFound, nil
	}
	return target{scriptName: script, pathInfo: pathInfo, filename: filename}, http.StatusOK, nil
}

func (h *Handler) filename(urlPath string) string {
	return filepath.Join(h.s.root, filepath.FromSlash(urlPath))
}

func isFile(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && fi.Mode().IsRegular()
}

// roundTrip runs the request on a pooled connection. A connection that
// dies before the server sent a byte is replaced and the request sent once
// more, when the body can be sent again: php-fpm closes kept-alive
// connections when it restarts or a worker reaches pm.max_requests.
func (h *Handler) roundTrip(w http.ResponseWriter, r *http.Request, p []byte, body *requestBody) (int, error) {
	var lastErr error
	for _, pl := range h.upstreams.pick(r) {
		for attempt := 0; attempt < 2; attempt++ {
			c, err := pl.get(r.Context(), attempt > 0)
			if err != nil {
				lastErr = err
				if errors.Is(err, ErrUnavailable) {
					break // try the next endpoint
				}
				return errorStatus(err), err
			}
			reused := c.reused
			x := &exchange{c: c, w: w, r: r, s: h.s}
			reusable, err := h.exchange(x, p, body)
			if reusable {
				pl.put(c)
			} else {
				pl.discard(c)
			}
			if err == nil {
				return x.okStatus(), nil
			}
			if x.wroteHeader {
				var ce *clientError
				if errors.As(err, &ce) {
					return x.okStatus(), err // the client left: nothing to save
				}
				h.s.onAbort(r, err)
				panic(http.ErrAbortHandler)
			}
			var be *bodyError
			if reused && !x.gotBytes && !errors.As(err, &be) && r.Context().Err() == nil && body.replayable() {
				lastErr = err
				continue
			}
			return errorStatus(err), err
		}
	}
	return errorStatus(lastErr), lastErr
}

// exchange sends the request on x.c and reads the response, cancelling
// both when the client goes away. reusable reports whether the connection
// may serve another request.
func (h *Handler) exchange(x *exchange, p []byte, body *requestBody) (reusable bool, err error) {
	stop := context.AfterFunc(x.r.Context(), x.c.cancel)
	err = x.c.writeRequest(p, body)
	if err == nil {
		err = x.readResponse()
	}
	// When the cancel ran or is running, the connection's deadline may be
	// poisoned at any moment: it cannot go back to the pool.
	reusable = stop() && err == nil
	var ne net.Error
	var ce *clientError
	var be *bodyError
	switch {
	case err == nil, errors.As(err, &ce), errors.As(err, &be), errors.Is(err, ErrBadResponse):
	case x.r.Context().Err() != nil:
		err = fmt.Errorf("fcgi: client gone: %w", err)
	case errors.As(err, &ne) && ne.Timeout():
		err = fmt.Errorf("%w: %w", ErrTimeout, err)
	default:
		err = fmt.Errorf("%w: %w", ErrBadResponse, err)
	}
	return reusable, err
}

// okStatus is what serve returns once a response is written: its status
// when below 400, else 0, so no caller writes an error page over it.
func (x *exchange) okStatus() int {
	if x.status >= 400 {
		return 0
	}
	return x.status
}

// errorStatus maps a failure before anything was written to a status.
func errorStatus(err error) int {
	var be *bodyError
	var ne net.Error
	switch {
	case errors.As(err, &be):
		return http.StatusBadRequest
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return http.StatusGatewayTimeout
	default:
		return http.StatusBadGateway
	}
}
