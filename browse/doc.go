// Package browse serves a folder over HTTP: files, index pages, and
// listings of folders that have none, as Caddy 0.x's static file server
// and browse directive did.
//
//	site, err := browse.New(browse.Config{Root: "./public", Listing: true})
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer site.Close()
//	http.ListenAndServe("localhost:2015", httpmw.ToHTTP(site))
//
// A Server is an httpmw.Handler for the end of a chain; Server.Middleware
// serves what exists and hands everything else (missing files, other
// methods) to the next handler, for an app behind its static files.
//
// Files go through http.ServeContent: Range, If-Modified-Since, ETag,
// HEAD and the Content-Type by extension. The *os.File itself reaches the
// response writer, so sendfile(2) still does the copy behind httpmw's
// adapters. A precompressed sibling ("app.js.zst", ".br", ".gz") is served
// with Content-Encoding when the client accepts its encoding.
//
// Every access goes through an os.Root opened on Config.Root: "..",
// symlinks leading out of the folder and similar tricks find nothing.
// When Config.Root is a symlink that a deploy tool replaces atomically
// (gitsync's Dest/current, a Capistrano-style "current" link), the Server
// follows it: each request is served from the folder the link named when
// it began, wholly, and old folders are closed once their last request is
// done.
// Paths no honest client sends ("..", "%2e%2e", backslashes, NUL, absurd
// lengths) get 400; what is missing, hidden or outside gets 404; no error
// page names a file system path. Dotfiles (.git, .env) are hidden by
// default, and Config.Hide adds glob patterns, for listings and direct
// access alike.
//
// Listings come in three formats, picked by the Accept header (Vary:
// Accept): an HTML page with breadcrumb, a filter box and columns sortable
// by name, size and time (inline CSS, SVG and script only, under a strict
// Content-Security-Policy); JSON for application/json (fields described at
// Listing and in the package example); text/plain, one name per line. The
// query string picks the order and the page: sort=name|size|time,
// order=asc|desc, limit=N, offset=N. Folders come first; names sort
// naturally ("file2" before "file10") and ignore ASCII case. A page holds
// at most Config.MaxListingEntries entries (10,000 by default); a larger
// folder is listed in pages linked by a Link header (rel="next"), the
// HTML page's Next link and JSON's total, offset and limit. A listing
// streams out as it is written, and only offset+limit entries are held in
// memory, so a folder of 100,000 entries lists in one readdir pass holding
// one page (about 1.2 MB while a client that does not read keeps it; the
// http.Server's WriteTimeout ends that, browse sets no deadline).
// Symlinks are followed inside the root only, and the hide rules apply to
// the path a link leads to as well as to its own name. A listing is
// plain code: os.File.ReadDir in batches on the folder opened through the
// os.Root, DirEntry.Info, a bounded heap for pages and slices.SortFunc on
// precomputed natural-order keys.
package browse
