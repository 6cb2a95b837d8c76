// Package inner keeps internal paths away from clients and lets a backend
// hand a request over to one: Caddy 0.7's internal directive (its
// package was called inner too; a top-level "internal" is reserved by
// the go tool), with nginx's X-Accel-Redirect.
//
//	in, err := inner.New(inner.Config{Paths: []string{"/internal"}})
//	if err != nil {
//		log.Fatal(err)
//	}
//	http.ListenAndServe(":8080", httpmw.ToHTTP(in.Middleware(site)))
//
// (Example below runs this.) A request whose path is under Config.Paths
// gets 404. Any other request goes to the handler below (typically a
// proxy or FastCGI application in front of a file server); when its
// response sets X-Accel-Redirect (Config.Header) to a path such as
// "/internal/report.pdf", that response is dropped, status, headers and
// body, and the handler below serves the path instead, which is how an
// application checks access and then lets the file server send a large
// file. The redirected request is a GET (a HEAD stays a HEAD) without a
// body; the query is the header's when it has one, else the request's
// (Caddy 0.7 kept it). Headers set by middleware above this one survive;
// the dropped response's do not. A dropped body is read and discarded,
// not sent.
//
// Redirects may chain, up to Config.MaxRedirects (10 by default, as in
// Caddy 0.7); one more is taken for a loop and answered with an unwritten
// 500 and an error. A header value that is not an absolute path answers
// 502. The path is unescaped and cleaned, so it stays in the site.
package inner
