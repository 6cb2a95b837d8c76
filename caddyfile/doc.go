// Package caddyfile reads Caddy 0.7 Caddyfiles.
//
//	f, err := caddyfile.Parse("Caddyfile", []byte("localhost:8080\ngzip\nbrowse"), nil)
//	// f.Sites[0].Addresses[0].Port == "8080"
//	// f.Sites[0].Directives: gzip, browse
//
// The syntax is Caddy 0.7's: one or more site addresses, then either a braced
// block of directives or, when the file has a single site, the directives on
// the following lines. A directive takes arguments on its line and may open an
// option block ("proxy / a:80 b:80 {" ... "}"). Words are split on white space,
// double quotes group them, '#' starts a comment, a backslash at the end of a
// line continues it, and {$VAR} is replaced by an environment variable.
//
// Every error names the file, line and column and says what was expected.
package caddyfile
