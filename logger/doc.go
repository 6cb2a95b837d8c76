// Package logger writes access logs, as Caddy 0.x's log directive did.
//
//	access, err := logger.New(logger.Config{
//		Format: logger.Combined,
//		File:   "/var/log/site/access.log",
//		Rotate: logger.Rotation{MaxSize: 100 << 20, MaxBackups: 10},
//		Except: []string{"/healthz"},
//	})
//	if err != nil {
//		return err
//	}
//	defer access.Close()
//	http.ListenAndServe(":8080", httpmw.ToHTTP(access.Middleware(site)))
//
// With chi: r.Use(httpmw.ToHTTPMiddleware(access.Middleware)).
//
// # Formats
//
// Common and Combined are written exactly as Apache writes them, so
// goaccess, awstats and other CLF parsers read them:
//
//	192.0.2.7 - alice [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.1" 200 2326 "http://example.com/" "Mozilla/5.0"
//
// Any other Format is a template of Caddy's placeholders:
//
//	{remote}      client address (see TrustedProxies)
//	{host}        Host header
//	{when}        request start, 02/Jan/2006:15:04:05 -0700, local time
//	{when_iso}    request start, 2006-01-02T15:04:05Z, UTC
//	{method}      request method
//	{uri}         request target as sent, query included
//	{path}        decoded path
//	{query}       raw query
//	{proto}       HTTP/1.1, HTTP/2.0
//	{scheme}      http or https
//	{status}      response status (101 for a hijacked connection)
//	{size}        response body bytes
//	{latency}     time to serve, 3.25ms
//	{latency_ms}  time to serve in whole milliseconds
//	{user}        Basic auth user name
//	{>Name}       request header Name
//	{<Name}       response header Name
//	{common}, {combined}  the named formats, to extend them
//
// An empty value is written as "-". An unknown placeholder is an error
// from New that names it.
//
// # Safety
//
// Every value is escaped as Apache escapes log items: `"` and `\` get a
// backslash, and control characters and bytes outside ASCII become \n, \t,
// \xhh... so a request for /%0d%0a%1b[31m can neither forge a line nor
// colour a terminal reading the log. In the unquoted user field a space or a
// bracket becomes \x20, \x5b, \x5d too, so a user name cannot shift the
// fields after it (Apache leaves those raw). Authorization, Proxy-Authorization,
// Cookie and Set-Cookie are written as REDACTED whatever the format asks;
// RedactQuery hides chosen query parameter values.
//
// Each line is one Write (Async may join queued whole lines into one), so
// concurrent requests never interleave. A
// panicking request is logged as 500, a hijacked connection as 101, and
// the size is the body bytes that passed the logger's place in the chain.
// A status >= 400 that the handler left for the caller to write is logged
// with that status and size "-": the error page is written outside. A HEAD
// response logs no bytes, as net/http sends none.
//
// Config.Async keeps a slow disk from holding requests: lines go through a
// queue bounded in lines and in bytes, and a line that finds it full is
// dropped and counted (Logger.Dropped). Close writes out everything queued.
//
// Config.Slog sends structured records to a *slog.Logger instead:
// request (remote, method, host, uri, proto, user_agent, referer),
// response (status, size) and duration.
//
// # Rotation
//
// Config.Rotate rotates by size and Config.ReopenOn reopens the file for
// logrotate. Both are written here rather than taken from lumberjack
// (gopkg.in/natefinch/lumberjack.v2), the usual choice, for three of its
// documented behaviours: Close does not stop the goroutine it starts for
// pruning (lumberjack issues 56 and 205, open since 2017), which a Logger
// made per site and closed on reload would leak; a Write larger than
// MaxSize fails, so an Async batch of queued lines could be lost where
// this file splits it at line ends; and sizes count in megabytes and ages
// in days, too coarse for tests and small disks. Rotation here runs on the
// writing goroutine, starts none, and never splits or drops a line. There
// is no time-based rotation: use logrotate with ReopenOn for that.
package logger
