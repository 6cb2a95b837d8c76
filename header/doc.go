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
// the value, and the headers are on the error page too when the handler
// returns a status >= 400 for an outer middleware or the adapter to write.
// Remove ("-Name") happens before the handler runs and again just before
// the header is sent, so it also strips what the handler set, such as an
// upstream's Server or X-Powered-By through a reverse proxy. A rule with a
// removal wraps the response writer with internal/respwriter, which keeps
// Flush, Hijack and http.ResponseController working.
package header
