package rewrite_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/rewrite"
)

func Example() {
	rw, err := rewrite.New(rewrite.Config{Rules: []rewrite.Rule{
		{From: "/about", To: "/about.html"},
		{Base: "/blog", Regexp: `^/(\d{4})/([a-z-]+)$`, To: "/posts/{1}/{2}.html"},
		{Regexp: ".*", Ext: []string{"/"}, To: "/index.php?_url={path}&{query}"},
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	app := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		fmt.Fprintf(w, "%s (asked for %s)", r.URL.RequestURI(), r.RequestURI)
		return http.StatusOK, nil
	})
	srv := httptest.NewServer(httpmw.ToHTTP(rw.Middleware(app)))
	defer srv.Close()

	for _, p := range []string{"/about", "/blog/2015/hello-world", "/cart?id=7", "/style.css"} {
		res, err := http.Get(srv.URL + p)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Println(string(body))
	}
	// Output:
	// /about.html (asked for /about)
	// /posts/2015/hello-world.html (asked for /blog/2015/hello-world)
	// /index.php?_url=%2Fcart&id=7 (asked for /cart?id=7)
	// /style.css (asked for /style.css)
}
