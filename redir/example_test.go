package redir_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/redir"
)

func Example() {
	redirects, err := redir.New(redir.Config{Rules: []redir.Rule{
		{From: "/old", To: "/new"},
		{From: "/blog", To: "https://blog.example.com{uri}", Code: http.StatusPermanentRedirect},
		{From: "/search", To: "/find?{query}", Code: http.StatusFound},
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	site := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		return http.StatusNotFound, nil
	})
	srv := httptest.NewServer(httpmw.ToHTTP(redirects.Middleware(site)))
	defer srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	for _, path := range []string{"/old", "/blog?page=2", "/search?q=go", "/other"} {
		res, err := client.Get(srv.URL + path)
		if err != nil {
			fmt.Println(err)
			return
		}
		res.Body.Close()
		fmt.Println(path, res.StatusCode, res.Header.Get("Location"))
	}
	// Output:
	// /old 301 /new
	// /blog?page=2 308 https://blog.example.com/blog?page=2
	// /search?q=go 302 /find?q=go
	// /other 404
}
