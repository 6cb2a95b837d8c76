package fcgi_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/fcgi"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/httpmw/httpmw"
	fastcgi "github.com/httpmw/httpmw/fcgi"
)

// Example serves PHP-style scripts through a FastCGI server. Here the
// server is net/http/fcgi standing in for php-fpm, so the example runs
// anywhere; with php-fpm, pass its address or socket instead.
func Example() {
	// The FastCGI application: it answers with the script it was asked for.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go fcgi.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		env := fcgi.ProcessEnv(r)
		fmt.Fprintf(w, "script %s, document URI %s\n", filepath.Base(env["SCRIPT_FILENAME"]), env["DOCUMENT_URI"])
	}))

	// The document root: scripts must exist there to be run.
	root, _ := os.MkdirTemp("", "site")
	defer os.RemoveAll(root)
	os.WriteFile(filepath.Join(root, "index.php"), []byte("<?php"), 0o644)

	h, err := fastcgi.New(fastcgi.PHP(root, ln.Addr().String()))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer h.Close()
	static := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		io.WriteString(w, "static file\n")
		return http.StatusOK, nil
	})
	srv := httptest.NewServer(httpmw.ToHTTP(h.Middleware(static)))
	defer srv.Close()

	for _, p := range []string{"/", "/index.php/hello", "/style.css", "/missing.php"} {
		res, err := http.Get(srv.URL + p)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Printf("%s -> %d %s", p, res.StatusCode, body)
	}
	// Output:
	// / -> 200 script index.php, document URI /index.php
	// /index.php/hello -> 200 script index.php, document URI /index.php/hello
	// /style.css -> 200 static file
	// /missing.php -> 404 404 Not Found
}
