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

// New validates c and returns the middleware, or a *httpmw.ConfigError naming
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
	late := false
	for i := range h.rules {
		rl := &h.rules[i]
		if !rl.all && !rl.path.Matches(r.URL.Path) {
			continue
		}
		apply(hdr, rl.edits, false)
		late = late || rl.late
	}
	if !late {
		return next.ServeHTTP(w, r)
	}

	// A removal or a late set must also win over what next sets (a
	// proxied Server or X-Powered-By, a file server's Cache-Control), so
	// it runs again just before the header is sent.
	rw := respwriter.Get(w)
	defer respwriter.Put(rw)
	rw.BeforeHeader = func(hdr http.Header) { h.applyLate(hdr, r.URL.Path) }
	status, err := next.ServeHTTP(rw, r)
	if status >= 400 && !rw.Written() {
		// Nothing sent: the error page is written further out, with the
		// header map as next left it.
		h.applyLate(hdr, r.URL.Path)
	}
	return status, err
}

// apply makes the edits; late applies only removals and late sets, the
// ones that run again at WriteHeader time.
func apply(hdr http.Header, edits []edit, late bool) {
	for _, e := range edits {
		switch {
		case e.op == opDel:
			delete(hdr, e.name)
		case e.op == opLate:
			hdr[e.name] = []string{e.value}
		case late:
		case e.op == opSet:
			hdr[e.name] = []string{e.value}
		case e.op == opAdd:
			hdr[e.name] = append(hdr[e.name], e.value)
		}
	}
}

func (h *Headers) applyLate(hdr http.Header, path string) {
	for i := range h.rules {
		rl := &h.rules[i]
		if rl.late && (rl.all || rl.path.Matches(path)) {
			apply(hdr, rl.edits, true)
		}
	}
}

func canonical(name string) string { return textproto.CanonicalMIMEHeaderKey(name) }
