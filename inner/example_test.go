package inner_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/inner"
)

func Example() {
	in, err := inner.New(inner.Config{Paths: []string{"/protected"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	site := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		switch r.URL.Path {
		case "/download": // the application checks access, then hands over
			w.Header().Set("X-Accel-Redirect", "/protected/manual.txt")
			return http.StatusOK, nil
		case "/protected/manual.txt": // a file server, in a real site
			io.WriteString(w, "the manual\n")
			return http.StatusOK, nil
		}
		return http.StatusNotFound, nil
	})
	srv := httptest.NewServer(httpmw.ToHTTP(in.Middleware(site)))
	defer srv.Close()

	for _, p := range []string{"/download", "/protected/manual.txt"} {
		res, err := http.Get(srv.URL + p)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Printf("%s %d %s", p, res.StatusCode, body)
	}
	// Output:
	// /download 200 the manual
	// /protected/manual.txt 404 404 Not Found
}
