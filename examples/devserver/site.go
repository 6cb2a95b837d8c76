package main

import "html/template"

// welcomePage is shown at "/" while the served folder is empty.
var welcomePage = template.Must(template.New("welcome").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>httpmw devserver</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; }
code, pre { background: #f3f3f3; border-radius: 4px; padding: .1rem .3rem; }
pre { padding: .8rem; white-space: pre-wrap; word-break: break-word; }
</style>
</head>
<body>
<h1>It works: httpmw is serving this folder</h1>
<p>Folder served: <code>{{.Root}}</code></p>
<p>The folder is empty, so you see this page. Add an <code>index.html</code> and reload:</p>
<pre>echo '&lt;h1&gt;Hello&lt;/h1&gt;' &gt; index.html</pre>
<p>Any file in the folder is served at its path, for example <code>/style.css</code>, compressed
when the browser accepts it. A folder without an index page shows a listing of its files.
Files and folders whose names start with a dot are never served.</p>
<p>Serve another folder or address with <code>-root</code> and <code>-listen</code>:</p>
<pre>go run ./examples/devserver -root ./public -listen localhost:8080</pre>
<p>Docs: the project's <code>README.md</code>, and each package's documentation with <code>go doc github.com/httpmw/httpmw</code>.</p>
</body>
</html>
`))
