// Package fcgi sends requests to FastCGI servers such as php-fpm, the way
// Caddy 0.x's `fastcgi / 127.0.0.1:9000 php` did:
//
//	h, err := fcgi.New(fcgi.PHP("/var/www/site", "unix:/run/php/php8.2-fpm.sock"))
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer h.Close()
//	http.ListenAndServe(":8080", httpmw.ToHTTP(h.Middleware(static)))
//
// A request goes to FastCGI when its path splits at Split (or ends with
// Ext) after a directory request took its Index file, and only when the
// script exists as a regular file under Root: a missing script is a 404
// that never reaches php-fpm, and other requests go to the next handler.
//
// # Safety
//
// The split works on the request's bytes with ASCII case folding only. A
// script must exist before php-fpm hears of it, so php-fpm's
// cgi.fix_pathinfo never gets to walk /uploads/evil.jpg/x.php back to the
// upload. The Proxy header is dropped (httpoxy), header names with '_' are
// dropped so they cannot pose as their '-' twins, and NUL bytes are
// refused with 400. Error pages are left to the caller and never name a
// path or an endpoint.
//
// # Connections
//
// Each endpoint has a bounded pool of kept-alive connections (MaxConns)
// with dial, read and write timeouts. The package speaks the FastCGI
// records itself rather than through gofast's Client, which costs four
// goroutines, two pipes and about 200 KB of buffers per request, cannot
// tell stderr from a broken connection, and never flushes; gofast's
// ClientPool is avoided too, as it leaks connections under load. So the
// package does not import gofast: gofast is the peer it is tested against
// (security_test.go uses it to show what php-fpm does unguarded) and
// benchmarked against (bench/). A kept-alive connection found dead, as after a php-fpm restart, is
// replaced; a GET (or other idempotent request) that found it closed
// before the server answered is sent once more on a fresh connection,
// while a POST always goes on a fresh one and is never sent twice. With
// several endpoints, package balancer spreads requests and takes failing
// endpoints out of rotation. php-fpm down is 502, a timeout 504. A
// client that stops reading the response loses it after SendTimeout,
// which frees the connection it held.
//
// # Sizing MaxConns
//
// php-fpm gives each connection a worker of its own for as long as the
// connection is kept alive, and a worker serves one connection at a time.
// So MaxConns, the connections kept to one endpoint, is the number of
// php-fpm workers this Handler can keep busy:
//   - With pm = static, set MaxConns to pm.max_children (less whatever
//     else talks to the same pool: another front, a cron over FastCGI).
//     The default, 5, matches Debian's stock pool; a pool with 16
//     children behind the default leaves 11 of them idle while requests
//     queue here.
//   - With pm = dynamic or ondemand, the same: pm.max_children is the
//     ceiling php-fpm will grow to, and idle connections close after
//     IdleTimeout, which lets it shrink again.
//   - Above pm.max_children, the extra connections are accepted by the
//     kernel but wait in php-fpm's listen backlog for a free worker: the
//     requests on them queue there, unseen, with their ReadTimeout running,
//     instead of here. Nothing is gained.
//   - With several endpoints, MaxConns applies to each.
//
// The bench (bench/fcgi.go) measures a PHP hello world with 5, 8 and 16
// children, MaxConns sized to them and at the default, beside nginx and
// the leanest forwarder Go can be.
//
// Output is streamed: what PHP flush()es reaches the client at once.
// Request bodies are read whole before a connection is taken, in memory up
// to SpoolMemory and in an unlinked temporary file beyond, so slow uploads
// cannot hold the MaxConns connections (and php-fpm workers) that every
// other request waits for. A body larger than MaxSpool is 413, one that
// stalls for BodyTimeout 408. The CGI variables travel in FCGI_PARAMS
// records cut between variables, as php-fpm reads each record alone; one
// variable too large for a record (64 KiB) is 431, or 414 for the URI.
// Such failures, like a client that leaves, are the request's own and
// never count against an endpoint's health.
package fcgi
