// Package errorpage renders the errors of the handlers below it, Caddy
// 0.7's errors directive: the reason for httpmw's (int, error) contract.
//
//	pages, err := errorpage.New(errorpage.Config{
//		Root:  "/srv/site",
//		Pages: map[int]string{404: "404.html", 500: "500.html"},
//		Log:   logFile,
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//	http.ListenAndServe(":8080", httpmw.ToHTTP(pages.Middleware(site)))
//
// (Example below runs this.) A handler that returns a status >= 400
// without writing gets the page file for that status from Config.Root,
// with that status, or a plain text page ("404 Not Found") when there is
// no page for it or the file cannot be read (that is logged). Headers the
// handler set for the error (WWW-Authenticate with a 401, Allow with a
// 405, Retry-After with a 503) go out with the page; headers describing a
// body that was never sent (Content-Length, Content-Encoding, ETag...)
// do not.
//
// Every error a handler returns is logged once, here: to Config.Log in
// Caddy's one-line format, or to Config.Slog. An error with a status
// below 400 means the response was written already; it is logged only.
//
// A panic below is recovered as a 500, its stack logged, never sent. When
// part of the response was already out, the connection is dropped
// instead, so the client sees a broken response rather than a whole one.
//
// Config.Visible (Caddy's "errors visible") shows the error text in the
// page, for development. It is off by default.
//
// Page files are opened through os.Root under Config.Root at each error
// (so a deploy that replaces them is seen), read whole into memory up to
// Config.MaxPageSize (1 MiB by default) and sent with a Content-Length.
package errorpage
