// Package redir answers requests with HTTP redirects, as Caddy 0.7's redir
// directive did.
//
//	redirects, err := redir.New(redir.Config{Rules: []redir.Rule{
//		{From: "/old", To: "/new"},                        // 301
//		{From: "/blog", To: "https://blog.example.com{uri}", Code: 308},
//	}})
//	if err != nil {
//		return err
//	}
//	http.ListenAndServe(":8080", httpmw.ToHTTP(redirects.Middleware(site)))
//
// With chi: r.Use(httpmw.ToHTTPMiddleware(redirects.Middleware)).
//
// # Open redirects
//
// A To that starts with a scheme ("https://...", "{scheme}://...") or "//"
// chooses its host, and may use {host} there: that is the config's
// choice. Every other To stays on the host that was asked: after the
// placeholders are replaced, a leading run of "/" and "\" becomes one "/"
// (so {path} of "//evil.example" cannot make the scheme-relative
// "//evil.example"), and a first segment with a colon is prefixed with
// "./" (so {query} cannot make "javascript:..." or "https://...").
// {path} and {uri} are sent escaped, as the request had them, from the
// path and query only: an absolute-form request line
// ("GET http://evil.example/x") gives "/x".
//
// The status is returned (it is written): 301 by default, as in Caddy.
// Caddy 0.7's "meta" (an HTML refresh page instead of a status) is not
// supported.
package redir
