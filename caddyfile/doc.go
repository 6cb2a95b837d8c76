// Package caddyfile runs Caddy 0.7 Caddyfiles on httpmw's middleware.
//
//	inst, err := caddyfile.LoadFile("Caddyfile", nil)
//	if err != nil {
//		log.Fatal(err) // Caddyfile:7:3: proxy: policy: unknown policy "fastest"; ...
//	}
//	defer inst.Close()
//	for _, s := range inst.Servers { // one per port; sites chosen by Host
//		go http.ListenAndServe(s.Addr, s.Handler)
//	}
//
// # Syntax
//
// The syntax is Caddy 0.7's: one or more site addresses, then either a braced
// block of directives or, when the file has a single site, the directives on
// the following lines. A directive takes arguments on its line and may open an
// option block ("proxy / a:80 b:80 {" ... "}"). Words are split on white space,
// double quotes group them, '#' starts a comment, a backslash at the end of a
// line continues it, and {$VAR} is replaced by an environment variable.
// Unlike Caddy 0.7, a {$VAR} that is unset or empty is an error at its line
// wherever it would make a path, file, address or secret ("root {$UNSET}"
// would serve the working folder); header values, FastCGI env values and
// git's then arguments may be empty. Parse gives the syntax tree alone.
//
// # Directives
//
// Each maps to a package, with Caddy 0.7's syntax and defaults:
//
//	root     path                              the files served (browse)
//	git      repo [path] { ... }               gitsync
//	log      [[path] file [format]]            logger
//	gzip     { ext, not, level, min_length }   gzip
//	errors   [file|visible] { 404 page, log }  errorpage
//	header   path [name value] { name value }  header
//	rewrite  from to | [base] { r, ext, to }   rewrite
//	redir    [from] to [code] { from to }      redir
//	ext      .ext...                           ext (clean URLs)
//	basicauth [path] user password { paths }   basicauth
//	internal path                              inner (X-Accel-Redirect)
//	proxy    from to... { policy, ... }        reverseproxy and balancer
//	fastcgi  path endpoint [php] { ... }       fcgi
//	browse   [path [template]]                 listings (browse)
//
// The options of each are described at its setup function in the source
// (setup_*.go). Whatever order the lines are in, requests go through
// Caddy's order: git's webhook, log, gzip, errors, header, rewrite, redir,
// ext, basicauth, internal, proxy, fastcgi, then the file server, which
// serves root (with listings where browse asked).
//
// These fourteen run. The other directives of Caddy 0.7 (tls, bind,
// startup, shutdown, websocket, markdown, templates) are refused by name
// and line as "a Caddy 0.7 directive not supported by httpmw".
//
// The file server never serves the site's own files: the Caddyfile and the
// log files it names (with their logrotate copies, access.log.1 ...) are
// 404 and left out of listings when they lie inside root, as Caddy 0.8 and
// later hide the Caddyfile. Dotfiles (.git, .env) are hidden too.
//
// Sites on one port share a Server whose Handler picks the site by the Host
// header: an exact name, then a site written without a host (":8080"); other
// hosts get 404. As in Caddy 0.7, a port is listened on every interface.
// https sites are refused: httpmw has no TLS directive.
//
// # Errors and starting
//
// Every error is a *ParseError naming the file, line and column and what was
// expected; an unknown directive lists the known ones. Load and Validate
// check the same things, short of the system: endpoints of proxy and
// fastcgi are checked for syntax ("unix:" without a path, a host without a
// port), and a log file named like a format ("log /api {combined}", the
// arguments swapped) is an error rather than a file called {combined}. Load checks the whole
// file before it opens a log file, starts a health check, a FastCGI pool or a
// git clone, and closes whatever it started when a later site fails to build,
// so a bad file leaves nothing running. Validate checks without starting.
package caddyfile
