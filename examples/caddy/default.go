package main

import (
	"html/template"
	"io"
	"net/http"
	"path/filepath"

	"github.com/httpmw/httpmw/examples/internal/devsite"
)

// defaultSite is what runs without a Caddyfile, as examples/devserver does:
// logger (Combined, to logOut) -> gzip -> browse with listings, and a
// welcome page while the folder is empty. Close the returned closer after
// the server stopped.
func defaultSite(root string, logOut io.Writer) (http.Handler, io.Closer, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, nil, err
	}
	return devsite.New(abs, logOut, welcomePage)
}

var welcomePage = template.Must(template.New("welcome").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>httpmw caddy</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #222; }
code, pre { background: #f3f3f3; border-radius: 4px; padding: .1rem .3rem; }
pre { padding: .8rem; white-space: pre-wrap; }
</style>
</head>
<body>
<h1>It works: httpmw is serving this folder</h1>
<p>Folder served: <code>{{.Root}}</code>. There is no Caddyfile here, so the
folder is served on port 2015 with an access log, gzip and listings.
Add an <code>index.html</code> and reload this page to see it.</p>
<p>To configure sites, write a <code>Caddyfile</code> in Caddy 0.7's format and start again
(or send SIGUSR1 to reload):</p>
<pre>localhost:2015 {
	root public
	gzip
	log access.log
	browse
	proxy /api localhost:8080
	fastcgi / 127.0.0.1:9000 php
}</pre>
<p>Check a file without serving it: <code>go run ./examples/caddy -validate</code>.</p>
</body>
</html>
`))
