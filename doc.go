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
// balancer, fcgi, gitsync, tunnel) and speaks the Handler contract: a handler
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
package httpmw
