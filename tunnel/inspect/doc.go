// Package inspect records the HTTP exchanges going through an app and shows
// them on a local web page with replay, like ngrok's inspector on
// 127.0.0.1:4040. It works with or without a tunnel:
//
//	in, err := inspect.New(inspect.Config{Target: "http://" + appAddr})
//	if err != nil { ... }
//	defer in.Close()
//	app := httpmw.ToHTTP(in.Middleware(site))    // record what the app serves
//	go http.Serve(uiListener, httpmw.ToHTTP(in.Handler())) // the UI, on 127.0.0.1:4040
//
// The Middleware keeps method, URL, headers, the first Config.MaxBodyBytes
// of each body, status, timings and remote address in a ring bounded by
// count and bytes, so memory stays flat under load. Authorization,
// Proxy-Authorization, Cookie and Set-Cookie values are shown redacted
// unless Config.KeepSecrets is set.
//
// The Handler serves a page with a live list (Server-Sent Events), a detail
// view (headers; JSON indented, form fields listed, binary in hex) and
// Replay, which sends the request again (optionally edited) to
// Config.Target only, and shows the new exchange beside the old one. The
// same data is a JSON API under api/. By default only loopback peers may
// use it.
//
// What is recorded is what the handler did: headers net/http adds after it
// (Date, a computed Content-Length) are not seen, and a handler that
// returns a status >= 400 without writing shows that status without the
// page its caller writes. Bodies with a gzip or deflate Content-Encoding
// are decoded for display (up to 1 MiB). Query strings are not redacted.
//
// Mount the UI outside the recorded chain, or it records its own traffic.
//
// Replays are recorded by Replay itself and marked with ReplayOf; the
// Middleware recognizes them by a per-Inspector token and does not record
// them twice.
package inspect
