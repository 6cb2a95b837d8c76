// Package header sets, adds and removes response headers by request path,
// as Caddy 0.x's header directive did.
//
//	hdrs, err := header.New(header.Config{Rules: []header.Rule{
//		{Path: "/", Fields: []header.Field{
//			{Name: "Strict-Transport-Security", Value: "max-age=31536000"},
//			{Name: "-Server"},
//		}},
//		{Path: "/assets", Fields: []header.Field{{Name: "Cache-Control", Value: "max-age=86400"}}},
//	}})
//	if err != nil {
//		return err
//	}
//	http.ListenAndServe(":8080", httpmw.ToHTTP(hdrs.Middleware(site)))
//
// With chi: r.Use(httpmw.ToHTTPMiddleware(hdrs.Middleware)).
//
// Every rule whose Path matches applies, in order. Set ("Name") and add
// ("+Name") happen before the handler runs, so a handler may still replace
// the value (as in Caddy 0.7), and the headers are on the error page too
// when the handler returns a status >= 400 for an outer middleware or the
// adapter to write. Remove ("-Name") and late set (">Name", as in Caddy 2)
// happen before the handler runs and again just before the header is
// sent, so they win over what the handler set: an upstream's Server or
// X-Powered-By through a reverse proxy, a file server's Cache-Control. A
// rule with those wraps the response writer with internal/respwriter,
// which keeps Flush, Hijack and http.ResponseController working.
package header
