package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/errorpage"
	"github.com/httpmw/httpmw/inner"
	"github.com/httpmw/httpmw/rewrite"
)

// The small Caddy 0.7 middleware cost a request next to the bare handler
// they wrap; there is no peer library for these three, so the peer is
// the same handler without the middleware, serving the same answer.

// servePath is serveLoop for a request path of choice; the response
// header is emptied each time, as a new response's would be.
func servePath(h http.Handler, target string) func(b *testing.B) {
	return func(b *testing.B) {
		w := &discard{h: http.Header{}}
		r := httptest.NewRequest("GET", target, nil)
		for b.Loop() {
			clear(w.h)
			h.ServeHTTP(w, r)
		}
	}
}

func helloMW() httpmw.Handler {
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		io.WriteString(w, "hello")
		return http.StatusOK, nil
	})
}

func errorpageComparisons() []Comparison {
	dir, err := os.MkdirTemp("", "bench-errorpage")
	if err != nil {
		return nil
	}
	os.WriteFile(filepath.Join(dir, "404.html"), []byte("<h1>Not here</h1>\n"), 0o644)
	pages, err := errorpage.New(errorpage.Config{Root: dir, Pages: map[int]string{404: "404.html"}, Log: io.Discard})
	if err != nil {
		return nil
	}
	notFound := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		return http.StatusNotFound, nil
	})
	plain := httpmw.ToHTTP(helloMW())
	return []Comparison{
		{
			Package: "errorpage", Case: "200 passes through",
			Ours:  GoBench(servePath(httpmw.ToHTTP(pages.Middleware(helloMW())), "/hello")),
			Peers: []Peer{{"bare handler", GoBench(servePath(plain, "/hello"))}},
		},
		{
			// The page file is read at each error (so a deploy shows at
			// once): an open, a stat and a read against the adapter's
			// built-in plain text page.
			Package: "errorpage", Case: "404 rendered from a page file",
			Ours:  GoBench(servePath(httpmw.ToHTTP(pages.Middleware(notFound)), "/missing")),
			Peers: []Peer{{"adapter's plain 404", GoBench(servePath(httpmw.ToHTTP(notFound), "/missing"))}},
		},
	}
}

func rewriteComparisons() []Comparison {
	rw, err := rewrite.New(rewrite.Config{Rules: []rewrite.Rule{
		{From: "/about", To: "/about.html"},
		{From: "/contact", To: "/contact.html"},
		{Base: "/blog", Regexp: `^/(\d{4})/([a-z-]+)$`, To: "/posts/{1}/{2}.html"},
		{Base: "/api", Regexp: `.*`, Ext: []string{"/"}, To: "/index.php?_url={path}&{query}"},
	}})
	if err != nil {
		return nil
	}
	plain := httpmw.ToHTTP(helloMW())
	ours := httpmw.ToHTTP(rw.Middleware(helloMW()))
	return []Comparison{
		{
			Package: "rewrite", Case: "4 rules, none matches",
			Ours:  GoBench(servePath(ours, "/static/app.js")),
			Peers: []Peer{{"bare handler", GoBench(servePath(plain, "/static/app.js"))}},
		},
		{
			Package: "rewrite", Case: "simple rule rewrites",
			Ours:  GoBench(servePath(ours, "/contact")),
			Peers: []Peer{{"bare handler", GoBench(servePath(plain, "/contact.html"))}},
		},
		{
			Package: "rewrite", Case: "regexp rule with groups rewrites",
			Ours:  GoBench(servePath(ours, "/blog/2015/hello-world")),
			Peers: []Peer{{"bare handler", GoBench(servePath(plain, "/posts/2015/hello-world.html"))}},
		},
	}
}

func innerComparisons() []Comparison {
	in, err := inner.New(inner.Config{Paths: []string{"/internal"}})
	if err != nil {
		return nil
	}
	app := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		if r.URL.Path == "/download" {
			w.Header().Set("X-Accel-Redirect", "/internal/file")
			io.WriteString(w, "dropped")
			return http.StatusOK, nil
		}
		io.WriteString(w, "hello")
		return http.StatusOK, nil
	})
	plain := httpmw.ToHTTP(app)
	ours := httpmw.ToHTTP(in.Middleware(app))
	return []Comparison{
		{
			Package: "inner", Case: "request passes through",
			Ours:  GoBench(servePath(ours, "/hello")),
			Peers: []Peer{{"bare handler", GoBench(servePath(plain, "/hello"))}},
		},
		{
			// Ours serves the handler twice (the redirecting response,
			// then the internal path); the peer asks for the path directly.
			Package: "inner", Case: "one X-Accel-Redirect",
			Ours:  GoBench(servePath(ours, "/download")),
			Peers: []Peer{{"bare handler, direct", GoBench(servePath(plain, "/internal/file"))}},
		},
		{
			Package: "inner", Case: "internal path refused",
			Ours:  GoBench(servePath(ours, "/internal/file")),
			Peers: []Peer{{"bare handler", GoBench(servePath(plain, "/internal/file"))}},
		},
	}
}
