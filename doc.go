// Package httpmw is the core of a library of composable HTTP middleware in
// the spirit of Caddy 0.x.
//
//	h := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
//		if r.URL.Path != "/" {
//			return http.StatusNotFound, nil // the adapter writes "404 Not Found"
//		}
//		io.WriteString(w, "hello\n")
//		return http.StatusOK, nil
//	})
//	http.ListenAndServe("localhost:2015", httpmw.ToHTTP(h))
//
// Every feature lives in its own package (gzip, logger, browse, reverseproxy,
// balancer, fcgi, gitsync, tunnel, and Caddy 0.7's header, redir, rewrite,
// ext, basicauth, errorpage and inner) and speaks the Handler contract: a handler
// returns the status it served, or an error status >= 400 that it left for the
// caller to write. Middleware composes with Chain, is scoped to a path prefix
// with Under, and meets the standard library through three adapters:
//
//   - ToHTTP (or an Adapter with its hooks): Handler to http.Handler, writing
//     error pages, reporting errors and recovering panics;
//   - FromHTTP: http.Handler to Handler, for ordinary handlers at the end of
//     a chain;
//   - ToHTTPMiddleware: Middleware to func(http.Handler) http.Handler, the
//     shape chi's Use takes.
//
// # With chi
//
// Compose httpmw's middleware with Chain and adapt it once:
//
//	r := chi.NewRouter()
//	r.Use(httpmw.ToHTTPMiddleware(httpmw.Chain(access.Middleware, compress.Middleware)))
//
// Then one edge writes every error page, after the whole chain saw the
// status: the logger logs the 404 an inner handler returned, and gzip
// does not compress the page. (One r.Use per middleware also works, but
// each adapter then stands alone: the first to see an unwritten error
// writes its page.)
//
// # Every package has the same shape
//
//	t, err := pkg.New(pkg.Config{...}) // (*T, error)
//	defer t.Close()                    // where T holds files, sockets or goroutines
//	mw := httpmw.Chain(t.Middleware)   // (*T).Middleware(next Handler) Handler
//	var end httpmw.Handler = t         // (*T).ServeHTTP, where T can end a chain
//
// and the same rules:
//
//   - Config is an input whose zero fields work: each field's comment says
//     what zero means, and the defaults are named constants (DefaultX).
//     Only what no default can guess is required (gitsync's URL and Dest,
//     the upstreams of balancer and reverseproxy, tunnel's Server, a public
//     listener of tunnel/server).
//     So no package needs a DefaultConfig function; tunnel's spells out
//     the same defaults as its zero Config, for ngrok 1.7 users.
//   - New checks the whole Config first, touching nothing (no file, socket
//     or goroutine), and names the first bad field with a *ConfigError,
//     "pkg: Config.Field: reason", such as
//     `browse: Config.Hide[0]: empty pattern`. Errors a caller may want to
//     tell apart are exported variables, wrapped so errors.Is finds them.
//   - Middleware serves the requests that are the package's and hands
//     every other request to next, returning what next returned.
//   - ServeHTTP, on a package that can end a chain (browse, reverseproxy,
//     fcgi), is Middleware with NotFound as next: a request that is not
//     for it returns http.StatusNotFound with nothing written, and the edge
//     writes the page.
//   - Endpoints a type hands out (gitsync's StatusHandler and Webhook,
//     inspect's Handler) are Handlers too, so their refusals (403, 405)
//     are left to the same edge; httpmw.ToHTTP mounts one on an
//     http.ServeMux.
package httpmw
