package httpmw

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/httpmw/httpmw/internal/ascii"
	"github.com/httpmw/httpmw/internal/respwriter"
	"github.com/httpmw/httpmw/internal/urlpath"
)

// Handler serves an HTTP request the way Caddy 0.x middleware did.
//
// The returned status tells the caller who owns the response:
//   - status >= 400: nothing has been written; the caller writes the error
//     response (an outer middleware, or the Adapter at the edge).
//   - any other status, 0 included: the response has been written. 0 means
//     the status is not known or does not matter. Nobody writes again.
//
// A non-nil error is something to report (log, metrics). It never reaches the
// client unless a caller chooses to show it.
type Handler interface {
	ServeHTTP(http.ResponseWriter, *http.Request) (int, error)
}

// HandlerFunc lets an ordinary function be a Handler.
type HandlerFunc func(http.ResponseWriter, *http.Request) (int, error)

// ServeHTTP calls f(w, r).
func (f HandlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) (int, error) {
	return f(w, r)
}

// Middleware wraps the next Handler in the chain. A middleware that does not
// apply to a request calls next and returns what next returned, unchanged.
type Middleware func(next Handler) Handler

// Chain composes middlewares into one; the first is the outermost, so
// Chain(a, b)(h) serves a request through a, then b, then h.
func Chain(mws ...Middleware) Middleware {
	return func(next Handler) Handler {
		for i := len(mws) - 1; i >= 0; i-- {
			next = mws[i](next)
		}
		return next
	}
}

// NotFound is the next handler of a chain's last middleware: it answers
// 404 with nothing written, so the caller (the Adapter at the edge)
// writes the page. A package's terminal ServeHTTP is its Middleware
// ending in HandlerFunc(NotFound).
func NotFound(http.ResponseWriter, *http.Request) (int, error) {
	return http.StatusNotFound, nil
}

// ConfigError is the error every package's constructor returns for a bad
// configuration field, such as
//
//	browse: Config.Hide[0]: empty pattern
//
// errors.As finds it whichever package returned it.
type ConfigError struct {
	Package string // the package, such as "browse"
	Field   string // the field's path from the struct given, such as "Config.Hide[0]"
	Err     error  // what is wrong with it
}

// Error is "package: field: reason".
func (e *ConfigError) Error() string { return e.Package + ": " + e.Field + ": " + e.Err.Error() }

// Unwrap returns Err, so errors.Is finds a package's sentinel errors
// (logger.ErrUnknownPlaceholder) through it.
func (e *ConfigError) Unwrap() error { return e.Err }

// PanicError is what the Adapter reports when a handler panics.
type PanicError struct {
	Value any    // the value passed to panic
	Stack []byte // the goroutine's stack at the recover
}

// Error describes the panic value.
func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// Adapter turns Handlers into http.Handlers. Its zero value writes plain
// text error pages and logs errors with slog.Default().
type Adapter struct {
	// OnError receives every non-nil error a handler returns, with the status
	// it returned, and recovered panics as a *PanicError with status 500.
	// nil logs them with slog.Default() at level Error.
	OnError func(r *http.Request, status int, err error)

	// ErrorPage writes the response for a status >= 400 that nothing wrote.
	// nil means WriteErrorPage.
	ErrorPage func(w http.ResponseWriter, r *http.Request, status int)
}

// Handler returns h as an http.Handler.
func (a Adapter) Handler(h Handler) http.Handler {
	return &edge{Adapter: a, next: h}
}

// Middleware returns m in the shape chi's Use and most routers take.
func (a Adapter) Middleware(m Middleware) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return a.Handler(m(FromHTTP(next)))
	}
}

// ToHTTP is Adapter{}.Handler(h).
func ToHTTP(h Handler) http.Handler { return Adapter{}.Handler(h) }

// ToHTTPMiddleware is Adapter{}.Middleware(m), for chi's r.Use.
func ToHTTPMiddleware(m Middleware) func(http.Handler) http.Handler {
	return Adapter{}.Middleware(m)
}

// FromHTTP returns h as a Handler. h writes its own response, so the status
// returned is always 0 (written, not known).
func FromHTTP(h http.Handler) Handler { return fromHTTP{h} }

type fromHTTP struct{ h http.Handler }

func (f fromHTTP) ServeHTTP(w http.ResponseWriter, r *http.Request) (int, error) {
	f.h.ServeHTTP(w, r)
	return 0, nil
}

// WriteErrorPage writes status as a short plain text page, such as
// "404 Not Found". Headers describing a body that was never sent are removed.
func WriteErrorPage(w http.ResponseWriter, _ *http.Request, status int) {
	h := w.Header()
	for _, k := range staleOnError {
		h.Del(k)
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	text := http.StatusText(status)
	if text == "" {
		text = "Error"
	}
	fmt.Fprintf(w, "%d %s\n", status, text)
}

var staleOnError = []string{"Content-Length", "Content-Encoding", "Content-Range", "ETag", "Last-Modified"}

// edge is the Adapter at work around one Handler.
type edge struct {
	Adapter
	next Handler
}

func (e *edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Chained adapters (one per chi middleware) share the outermost recorder:
	// whether the response was written is the same answer at every layer.
	rw, shared := w.(*respwriter.Writer)
	if !shared {
		rw = respwriter.Get(w)
		defer respwriter.Put(rw)
	}
	defer e.recoverPanic(rw, r)

	status, err := e.next.ServeHTTP(rw, r)
	if err != nil {
		e.report(r, status, err)
	}
	if status >= 400 && !rw.Written() {
		e.errorPage(rw, r, status)
	}
}

func (e *edge) recoverPanic(rw *respwriter.Writer, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v) // net/http's own signal: abort quietly
	}
	e.report(r, http.StatusInternalServerError, &PanicError{Value: v, Stack: debug.Stack()})
	if rw.Written() {
		// Part of a response is out; a 500 now would be garbage appended to
		// it. Abort the connection so the client sees a broken response.
		panic(http.ErrAbortHandler)
	}
	e.errorPage(rw, r, http.StatusInternalServerError)
}

func (e *edge) report(r *http.Request, status int, err error) {
	if e.OnError != nil {
		e.OnError(r, status, err)
		return
	}
	attrs := []any{"method", r.Method, "path", r.URL.Path, "status", status, "err", err}
	if pe := (*PanicError)(nil); errors.As(err, &pe) {
		attrs = append(attrs, "stack", string(pe.Stack))
	}
	slog.Default().Error("httpmw: handler error", attrs...)
}

func (e *edge) errorPage(w http.ResponseWriter, r *http.Request, status int) {
	if e.ErrorPage != nil {
		e.ErrorPage(w, r, status)
		return
	}
	WriteErrorPage(w, r, status)
}

// Path is a request path prefix matched the way Caddy 0.x matched a
// directive's base path, on cleaned paths and whole segments: "/" (or "")
// matches every path, "/foo" matches "/foo" and "/foo/bar" but not "/foobar".
type Path struct {
	Base       string
	IgnoreCase bool // ASCII case-insensitive comparison when true
}

// Matches reports whether the request path p is under the base.
func (m Path) Matches(p string) bool {
	base := cleanPath(m.Base)
	if base == "/" {
		return true
	}
	p = cleanPath(p)
	if len(p) < len(base) {
		return false
	}
	head := p[:len(base)]
	if m.IgnoreCase {
		if !ascii.EqualFold(head, base) {
			return false
		}
	} else if head != base {
		return false
	}
	return len(p) == len(base) || p[len(base)] == '/'
}

// cleanPath is path.Clean for request paths: rooted, no trailing slash,
// and free when the path is already clean (the common case).
func cleanPath(p string) string {
	if c := strings.TrimSuffix(urlpath.Clean(p), "/"); c != "" {
		return c
	}
	return "/"
}

// Under applies m only to requests whose path matches base; other requests
// go straight to next. It is the usual way to scope a middleware to a prefix.
func Under(base Path, m Middleware) Middleware {
	return func(next Handler) Handler {
		inner := m(next)
		return HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
			if base.Matches(r.URL.Path) {
				return inner.ServeHTTP(w, r)
			}
			return next.ServeHTTP(w, r)
		})
	}
}
