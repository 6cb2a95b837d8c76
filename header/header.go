package header

import (
	"net/http"
	"net/textproto"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/respwriter"
)

// Headers edits response headers as its Config says. It is safe for
// concurrent use; make one with New.
type Headers struct {
	rules []rule
}

// New validates c and returns the middleware, or a *ConfigError naming
// the first bad field.
func New(c Config) (*Headers, error) {
	rules, err := c.rules()
	if err != nil {
		return nil, err
	}
	return &Headers{rules: rules}, nil
}

// Middleware returns next with the header edits applied to its responses.
func (h *Headers) Middleware(next httpmw.Handler) httpmw.Handler {
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		return h.serve(w, r, next)
	})
}

func (h *Headers) serve(w http.ResponseWriter, r *http.Request, next httpmw.Handler) (int, error) {
	// Sets and adds go in now, before next runs, so a handler can still
	// choose its own value (as in Caddy), and an error page written
	// further out carries them too.
	hdr := w.Header()
	deletes := false
	for i := range h.rules {
		rl := &h.rules[i]
		if !rl.all && !rl.path.Matches(r.URL.Path) {
			continue
		}
		apply(hdr, rl.edits)
		deletes = deletes || rl.hasDel
	}
	if !deletes {
		return next.ServeHTTP(w, r)
	}

	// A removal must also catch what next sets (a proxied Server or
	// X-Powered-By), so it runs again just before the header is sent.
	rw := respwriter.Get(w)
	defer respwriter.Put(rw)
	rw.BeforeHeader = func(hdr http.Header) { h.removeAll(hdr, r.URL.Path) }
	status, err := next.ServeHTTP(rw, r)
	if status >= 400 && !rw.Written() {
		// Nothing sent: the error page is written further out, with the
		// header map as next left it.
		h.removeAll(hdr, r.URL.Path)
	}
	return status, err
}

func apply(hdr http.Header, edits []edit) {
	for _, e := range edits {
		switch e.op {
		case opSet:
			hdr[e.name] = []string{e.value}
		case opAdd:
			hdr[e.name] = append(hdr[e.name], e.value)
		case opDel:
			delete(hdr, e.name)
		}
	}
}

func (h *Headers) removeAll(hdr http.Header, path string) {
	for i := range h.rules {
		rl := &h.rules[i]
		if !rl.hasDel || !rl.all && !rl.path.Matches(path) {
			continue
		}
		for _, e := range rl.edits {
			if e.op == opDel {
				delete(hdr, e.name)
			}
		}
	}
}

func canonical(name string) string { return textproto.CanonicalMIMEHeaderKey(name) }
