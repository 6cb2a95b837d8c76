// Package gzip compresses HTTP responses with gzip, or with zstd when the
// client prefers it: Caddy 0.x's gzip directive, grown to what Caddy 2's
// encode and klauspost's gzhttp do.
//
//	compress, err := gzip.New(gzip.Config{}) // zstd or gzip, level 5, 512 bytes and up
//	if err != nil {
//		log.Fatal(err)
//	}
//	http.ListenAndServe(":8080", httpmw.ToHTTP(compress.Middleware(site)))
//
// or, in a chi router, r.Use(httpmw.ToHTTPMiddleware(compress.Middleware)).
//
// The coding follows the request's Accept-Encoding (RFC 9110, 12.5.3):
// the highest q-value wins, ties go to Config.Prefer's order, q=0
// refuses a coding, and "*" stands for every coding not named (so
// "gzip;q=0, *" gets zstd). A malformed or oversized Accept-Encoding, or
// one that accepts neither coding, gets the body as it is; so does
// "identity;q=0" then, as most servers do, rather than a 406.
//
// What is compressed: responses on paths that pass Config.Ext and
// Config.Not, with a media type in Config.Types and not in
// Config.SkipTypes (text-like formats by default, never images, video,
// audio, archives or compressed fonts), and a body of at least
// Config.MinLength bytes. The first bytes are held back until the length
// is known, so a stream of unknown length is compressed once it passes
// MinLength. A response without a Content-Type gets the sniffed one.
//
// What is left alone: HEAD requests, 1xx, 204 and 304 responses, Range
// requests and 206 responses (served as they are, Accept-Ranges kept),
// bodies the handler encoded itself (Content-Encoding set), responses
// marked Cache-Control: no-transform, and protocol upgrades such as
// websockets, whose connection is handed over untouched.
//
// Headers: every response on a compressible path says Vary:
// Accept-Encoding. A compressed one loses Content-Length and
// Accept-Ranges, and its strong ETag gets a "-gzip" or "-zstd" suffix;
// the suffix is removed from If-None-Match and If-Match before the
// handler sees them, so conditional requests still get their 304.
//
// Streaming: Flush (or http.ResponseController's) ends the current
// compressed block and sends it, so server-sent events arrive one by one.
// The writer the handler gets keeps Unwrap, Hijack and ReadFrom.
//
// BREACH: Config.BreachPadding adds a random amount of padding to each
// compressed body; see its documentation for what it does and does not
// protect.
//
// Why its own writer rather than a wrapper of klauspost's gzhttp (which
// has zstd, ETag suffixes, jitter and type filters too, and is the peer
// in the tests and bench/): three things gzhttp v1.20 does not do, each
// tried against it. A status >= 400 returned with nothing written goes
// back to the caller, who writes the error page; gzhttp wraps an
// http.Handler, which returns nothing, so the status and error could not
// travel on. Its SuffixETag leaves If-None-Match and If-Match as sent, so
// http.ServeContent answers the suffixed tag with a full 200 instead of a
// 304. It compresses responses marked Cache-Control: no-transform. Speed
// is not the reason: bench/gzip.go finds the two within a few percent.
package gzip
