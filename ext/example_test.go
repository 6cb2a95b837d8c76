package ext_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/ext"
)

func Example() {
	site, _ := os.MkdirTemp("", "site")
	defer os.RemoveAll(site)
	os.WriteFile(filepath.Join(site, "about.html"), []byte("about us"), 0o644)
	os.WriteFile(filepath.Join(site, "contact.htm"), []byte("write to us"), 0o644)

	clean, err := ext.New(ext.Config{Root: site, Ext: []string{".html", ".htm"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer clean.Close()
	// A file server would go here; this one says what it was asked for.
	files := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		fmt.Fprintf(w, "serve %s (client asked %s)", r.URL.Path, r.RequestURI)
		return http.StatusOK, nil
	})
	srv := httptest.NewServer(httpmw.ToHTTP(clean.Middleware(files)))
	defer srv.Close()

	for _, path := range []string{"/about", "/contact?x=1", "/missing", "/about/"} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Println(string(body))
	}
	// Output:
	// serve /about.html (client asked /about)
	// serve /contact.htm (client asked /contact?x=1)
	// serve /missing (client asked /missing)
	// serve /about/ (client asked /about/)
}
