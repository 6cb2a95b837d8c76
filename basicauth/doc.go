// Package basicauth protects paths with HTTP Basic authentication
// (RFC 7617), as Caddy 0.7's basicauth directive did.
//
//	auth, err := basicauth.New(basicauth.Config{Rules: []basicauth.Rule{
//		{Paths: []string{"/admin"}, User: "alice", Password: "$2y$10$..."}, // htpasswd -nbB
//		{Paths: []string{"/admin", "/reports"}, User: "bob", Password: "plain secret"},
//	}})
//	if err != nil {
//		return err
//	}
//	http.ListenAndServe(":8080", httpmw.ToHTTP(auth.Middleware(site)))
//
// With chi: r.Use(httpmw.ToHTTPMiddleware(auth.Middleware)).
//
// A request under the paths of one or more rules passes when it carries
// the user name and password of one of those rules; otherwise it gets 401
// with `WWW-Authenticate: Basic realm="Restricted", charset="UTF-8"`,
// returned unwritten so that an outer middleware or the adapter writes the
// page. Requests under no rule pass untouched. A rule covers a request
// whose path is under one of its Paths as the client sent it or as a
// rewrite earlier in the chain left it: "/admin" guards a request for
// /admin that ext serves as /admin.html, and one that a rewrite turned
// from /public/x into /admin/x. The Authorization header is
// left on the request, so logger's {user} placeholder shows who was let in
// (and a reverse proxy behind forwards it, as Caddy did).
//
// Names and passwords are compared as SHA-256 digests with crypto/subtle,
// so neither the time taken nor the length leaks how close a guess was.
// Passwords may be bcrypt hashes, checked with golang.org/x/crypto/bcrypt.
//
// Basic credentials travel in clear text on every request: serve such
// paths over HTTPS only. There is no lockout: limiting the rate of guesses
// is the job of a front (a proxy, a firewall, fail2ban reading the access
// log's 401s). Each request with a bcrypt password costs a bcrypt check,
// tens of milliseconds of CPU, which such a front also bounds.
package basicauth
