package redir

import (
	"html"
	"io"
	"net/http"

	"github.com/httpmw/httpmw"
)

// Redirects answers the requests its rules match with a redirect. It is
// safe for concurrent use; make one with New.
type Redirects struct {
	rules []rule
}

// New validates c and returns the middleware, or a *httpmw.ConfigError naming
// the first bad field.
func New(c Config) (*Redirects, error) {
	rules, err := c.rules()
	if err != nil {
		return nil, err
	}
	return &Redirects{rules: rules}, nil
}

// Middleware redirects the requests a rule matches and hands the others
// to next.
func (rd *Redirects) Middleware(next httpmw.Handler) httpmw.Handler {
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		for i := range rd.rules {
			rl := &rd.rules[i]
			if rl.all || r.URL.Path == rl.from {
				redirect(w, r, rl.location(r), rl.code)
				return rl.code, nil
			}
		}
		return next.ServeHTTP(w, r)
	})
}

// Location is the target a rule sends for r: To with its placeholders
// replaced, kept on the requested host unless To names a host itself.
func (rl *rule) location(r *http.Request) string {
	to := rl.to.expand(r)
	if rl.hasURL {
		return to
	}
	return local(to)
}

// redirect writes the response. Unlike http.Redirect it sends loc as it
// is: http.Redirect cleans a relative path, and cleaning can turn a
// harmless "/./\x" into the other-host "/\x" after local has run.
func redirect(w http.ResponseWriter, r *http.Request, loc string, code int) {
	h := w.Header()
	h.Set("Location", loc)
	body := r.Method == http.MethodGet || r.Method == http.MethodHead
	if body {
		h.Set("Content-Type", "text/html; charset=utf-8")
	}
	w.WriteHeader(code)
	if body && r.Method == http.MethodGet {
		io.WriteString(w, `<a href="`+html.EscapeString(loc)+`">`+http.StatusText(code)+"</a>.\n")
	}
}
