package fcgi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/balancer"
	"github.com/httpmw/httpmw/internal/ascii"
	"github.com/httpmw/httpmw/internal/urlpath"
)

// Handler sends matching requests to FastCGI servers such as php-fpm. It
// holds pooled connections: Close it when done. It is safe for concurrent
// use.
type Handler struct {
	s         *settings
	upstreams *upstreams
	files     files
	except    []httpmw.Path
	params    sync.Pool // *params, so the CGI environment costs no allocation
}

// New checks cfg, then that Root and TempDir are directories, and returns
// a Handler for it; either error is an *httpmw.ConfigError naming the
// field. It does not contact the endpoints: a php-fpm that is down gets
// 502s until it is up.
func New(cfg Config) (*Handler, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := cfg.settings()
	if err := s.resolveDirs(); err != nil {
		return nil, err
	}
	u, err := newUpstreams(s)
	if err != nil {
		return nil, err
	}
	h := &Handler{s: s, upstreams: u, files: files{root: s.root, ttl: max(s.FileCache, 0)}}
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
		next = httpmw.HandlerFunc(httpmw.NotFound)
	}
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		return h.serve(w, r, next)
	})
}

// ServeHTTP is Middleware ending in httpmw.NotFound: requests that do not
// match get 404, unwritten.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) (int, error) {
	return h.serve(w, r, httpmw.HandlerFunc(httpmw.NotFound))
}

// serve implements the Handler contract: >= 400 means nothing written.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, next httpmw.Handler) (int, error) {
	t, status, err := h.route(r.URL.Path)
	if err != nil || status == http.StatusNotFound {
		return status, err
	}
	if status == 0 {
		return next.ServeHTTP(w, r)
	}

	p := h.params.Get().(*params)
	defer func() {
		if cap(p.b) <= 64<<10 && cap(p.rec) <= 64<<10 {
			h.params.Put(p)
		}
	}()
	p.reset()
	// The variables are checked before the body is read: a request they
	// refuse need not upload first.
	if err := h.s.buildParams(p, r, t); err != nil {
		return paramsStatus(err), err
	}
	body, status, err := h.s.readBody(w, r)
	if err != nil {
		return status, err
	}
	defer body.close()
	p.addContentLength(body.length)
	if p.rec, err = appendParams(p.rec[:0], p.b); err != nil {
		return http.StatusRequestHeaderFieldsTooLarge, fmt.Errorf("%w: %w", ErrHeaderTooLarge, err)
	}
	return h.roundTrip(w, r, p.rec, &body)
}

// paramsStatus is the status for a buildParams error.
func paramsStatus(err error) int {
	switch {
	case errors.Is(err, ErrHeaderTooLarge):
		return http.StatusRequestHeaderFieldsTooLarge
	case errors.Is(err, ErrURITooLong):
		return http.StatusRequestURITooLong
	}
	return http.StatusBadRequest
}

// route maps a URL path to a script. status 0 means "not ours" (next),
// 404 a script that does not exist, 200 a target to run.
func (h *Handler) route(urlPath string) (target, int, error) {
	if strings.IndexByte(urlPath, 0) >= 0 {
		return target{}, http.StatusBadRequest, fmt.Errorf("%w: NUL byte in path", ErrBadRequest)
	}
	p := urlpath.Clean(urlPath)
	for _, e := range h.except {
		if e.Matches(p) {
			return target{}, 0, nil
		}
	}
	if strings.HasSuffix(p, "/") {
		for _, idx := range h.s.Index {
			if _, ok := h.files.lookup(p + idx); ok {
				p += idx
				break
			}
		}
	}
	script, pathInfo, ok := splitScript(p, h.s.split)
	if !ok {
		if h.s.ext == "" || !ascii.HasSuffixFold(p, h.s.ext) {
			return target{}, 0, nil
		}
		script, pathInfo = p, ""
	}
	// Only an existing regular file is sent. php-fpm with
	// cgi.fix_pathinfo=1 would otherwise walk a missing
	// /uploads/evil.jpg/x.php back to evil.jpg and run the upload.
	filename, ok := h.files.lookup(script)
	if !ok {
		return target{}, http.StatusNotFound, nil
	}
	return target{scriptName: script, pathInfo: pathInfo, filename: filename}, http.StatusOK, nil
}

// roundTrip runs the request on an endpoint the balancer picks, and on
// the next one when that one cannot be reached.
func (h *Handler) roundTrip(w http.ResponseWriter, r *http.Request, p []byte, body *requestBody) (int, error) {
	var avoid []*balancer.Host
	for {
		host, pl, err := h.upstreams.acquire(r, avoid)
		if err != nil {
			return http.StatusBadGateway, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		start := time.Now()
		o := h.try(w, r, pl, p, body)
		h.upstreams.release(host, o.serverFault, o.x.status, time.Since(start))
		if o.abort {
			h.s.onAbort(r, o.err)
			panic(http.ErrAbortHandler)
		}
		if host != nil && errors.Is(o.err, ErrUnavailable) && len(avoid)+1 < h.upstreams.len() && body.replayable() {
			avoid = append(avoid, host)
			continue
		}
		return o.status, o.err
	}
}

// outcome is how one endpoint served a request.
type outcome struct {
	x           *exchange
	status      int   // what serve returns
	err         error // what serve reports
	serverFault bool  // the endpoint failed, not the client
	abort       bool  // the response is under way and cut: abort it
}

// try runs the request on pl's connections.
//
// php-fpm closes kept-alive connections when it restarts, and when a
// worker reaches pm.max_requests: then only after its last response, so a
// request sent in that moment is lost, and the EOF that says so looks the
// same as a worker that read the request and died running it. Hence:
//   - an idempotent request (GET, HEAD, OPTIONS, TRACE) may ride a
//     kept-alive connection, and when the server closes it before
//     answering, the request is sent once more on a fresh connection;
//   - any other request (POST...) goes on a fresh connection, which a
//     worker accepted because it is not exiting, and is never sent twice.
//
// A fresh connection is kept alive for later requests as usual.
func (h *Handler) try(w http.ResponseWriter, r *http.Request, pl *pool, p []byte, body *requestBody) outcome {
	x := &exchange{w: w, r: r, s: h.s}
	for attempt := 0; ; attempt++ {
		c, err := pl.get(r.Context(), attempt > 0 || !idempotent(r.Method))
		if err != nil {
			return outcome{x: x, status: failureStatus(r, err), err: err, serverFault: r.Context().Err() == nil}
		}
		reused := c.reused
		*x = exchange{c: c, w: w, r: r, s: h.s}
		reusable, err := h.exchange(x, p, body)
		if reusable {
			pl.put(c)
		} else {
			pl.discard(c)
		}
		if err == nil {
			return outcome{x: x, status: x.okStatus()}
		}
		var ce *clientError
		var be *bodyError
		clientFault := errors.As(err, &ce) || errors.As(err, &be) || r.Context().Err() != nil
		if x.wroteHeader {
			return outcome{x: x, status: x.okStatus(), err: err, serverFault: !clientFault, abort: !clientFault}
		}
		if attempt == 0 && reused && !x.gotBytes && !clientFault && closedByPeer(err) && body.replayable() {
			continue
		}
		return outcome{x: x, status: failureStatus(r, err), err: err, serverFault: !clientFault}
	}
}

// idempotent reports whether sending a request with this method twice is
// harmless, by RFC 9110 section 9.2.2 (PUT and DELETE left out, as
// net/http's Transport does for retries).
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// closedByPeer reports whether err means the server closed the connection,
// as opposed to a timeout, where the script may well be running: only the
// former is worth sending the request again.
func closedByPeer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// exchange sends the request on x.c and reads the response, cancelling
// both when the client goes away. reusable reports whether the connection
// may serve another request.
func (h *Handler) exchange(x *exchange, p []byte, body *requestBody) (reusable bool, err error) {
	stop := context.AfterFunc(x.r.Context(), x.c.cancel)
	err = x.c.writeRequest(p, body)
	if err == nil {
		err = x.readResponse()
		x.clearSendDeadline()
	}
	// When the cancel ran or is running, the connection's deadline may be
	// poisoned at any moment: it cannot go back to the pool.
	reusable = stop() && err == nil
	if err != nil {
		err = classifyExchange(x.r, err)
	}
	return reusable, err
}

// classifyExchange wraps an exchange's failure in the error that says whose
// fault it was. (Apart, so that a success does not pay for the variables
// errors.As needs.)
func classifyExchange(r *http.Request, err error) error {
	var ne net.Error
	var ce *clientError
	var be *bodyError
	switch {
	case errors.As(err, &ce), errors.As(err, &be), errors.Is(err, ErrBadResponse):
		return err
	case r.Context().Err() != nil:
		return fmt.Errorf("fcgi: client gone: %w", err)
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return fmt.Errorf("%w: %w", ErrBadResponse, err)
}

// okStatus is what serve returns once a response is written: its status
// when below 400, else 0, so no caller writes an error page over it.
func (x *exchange) okStatus() int {
	if x.status >= 400 {
		return 0
	}
	return x.status
}

// StatusClientClosedRequest is what ServeHTTP returns when the client went
// away before the response began: nginx's 499, so access logs do not count
// a departed client as a 502 or 504.
const StatusClientClosedRequest = 499

// failureStatus maps a failure before anything was written to a status.
func failureStatus(r *http.Request, err error) int {
	if errors.Is(r.Context().Err(), context.Canceled) {
		return StatusClientClosedRequest
	}
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
