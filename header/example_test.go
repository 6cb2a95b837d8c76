package header_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/header"
)

func Example() {
	hdrs, err := header.New(header.Config{Rules: []header.Rule{
		{Path: "/", Fields: []header.Field{
			{Name: "X-Frame-Options", Value: "DENY"},
			{Name: "-X-Powered-By"},
		}},
		{Path: "/assets", Fields: []header.Field{{Name: "Cache-Control", Value: "max-age=86400"}}},
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	site := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		w.Header().Set("X-Powered-By", "PHP/5.6") // what an old backend says
		io.WriteString(w, "hello")
		return http.StatusOK, nil
	})
	srv := httptest.NewServer(httpmw.ToHTTP(hdrs.Middleware(site)))
	defer srv.Close()

	for _, path := range []string{"/", "/assets/app.js"} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			fmt.Println(err)
			return
		}
		res.Body.Close()
		fmt.Printf("%s: X-Frame-Options=%q Cache-Control=%q X-Powered-By=%q\n", path,
			res.Header.Get("X-Frame-Options"), res.Header.Get("Cache-Control"), res.Header.Get("X-Powered-By"))
	}
	// Output:
	// /: X-Frame-Options="DENY" Cache-Control="" X-Powered-By=""
	// /assets/app.js: X-Frame-Options="DENY" Cache-Control="max-age=86400" X-Powered-By=""
}

func ExampleNew_badConfig() {
	_, err := header.New(header.Config{Rules: []header.Rule{
		{Path: "/", Fields: []header.Field{{Name: "X-Bad", Value: "a\r\nSet-Cookie: x=1"}}},
	}})
	fmt.Println(err)
	// Output:
	// header: Config.Rules[0].Fields[0].Value: must not hold control characters other than tab
}
