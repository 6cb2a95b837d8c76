// Package ext gives a site clean URLs, as Caddy 0.7's ext directive did:
// with Ext [".html", ".htm"], a request for /about is served /about.html
// if that file exists under the site root, else /about.htm, else /about
// as asked.
//
//	clean, err := ext.New(ext.Config{Root: "/srv/site", Ext: []string{".html", ".htm"}})
//	if err != nil {
//		return err
//	}
//	defer clean.Close()
//	files, err := browse.New(browse.Config{Root: "/srv/site"})
//	...
//	http.ListenAndServe(":8080", httpmw.ToHTTP(clean.Middleware(files)))
//
// The middleware only rewrites r.URL.Path for the handlers after it (the
// file server serves the file; hidden files stay hidden there). A path
// that has an extension or ends in "/" is left alone, and so is a path
// for which no regular file exists. The rewrite happens on a copy of the
// request: r.RequestURI, from which logger renders {uri} and {path},
// still shows what the client asked for.
//
// Lookups go through an os.Root, so no request path ("/../etc/passwd", a
// symlink pointing out) can learn whether a file outside Root exists. Each
// extensionless request costs one stat per extension tried until one hits.
package ext
