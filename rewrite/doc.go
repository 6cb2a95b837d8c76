// Package rewrite changes the path (and query) of a request before the
// handlers below it see it, without the client knowing: Caddy 0.7's
// rewrite directive.
//
//	rw, err := rewrite.New(rewrite.Config{Rules: []rewrite.Rule{
//		{From: "/about", To: "/about.html"},
//		{Base: "/blog", Regexp: `^/(\d{4})/([a-z-]+)$`, To: "/posts/{1}/{2}.html"},
//	}})
//	if err != nil {
//		log.Fatal(err)
//	}
//	http.ListenAndServe(":8080", httpmw.ToHTTP(rw.Middleware(site)))
//
// (Example below runs this.) A simple rule (Rule.From) matches one path
// exactly; a regexp rule (Rule.Regexp) matches paths under Rule.Base,
// narrowed by extension (Rule.Ext), and Rule.To may use the regexp's
// groups ({1}) and the request's {path}, {query}, {file}, {dir}, {ext} and
// {uri}. The first rule that matches wins; Caddy 0.7 tried one target per
// rule, and so does this package (the list of "try files" came later).
//
// The rewritten path is cleaned and rooted, so no template and no request
// can make it climb out of the site with "..". The request below is a
// copy with the new URL: handlers above (a logger) keep the original, and
// Request.RequestURI, which the logger's {uri} and FastCGI's REQUEST_URI
// use, stays what the client sent.
//
// Caddy 0.7's placeholders ({path}, {query}, {file}, {dir}, {uri}) are
// here; {ext} and the regexp groups are Caddy 0.8's, kept for what they
// make possible. An unknown placeholder is a Config error rather than
// text left in the path.
package rewrite
