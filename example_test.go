package httpmw_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/httpmw/httpmw"
)

func Example() {
	hello := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		if r.URL.Path != "/" {
			return http.StatusNotFound, nil // left for the adapter to write
		}
		io.WriteString(w, "hello\n")
		return http.StatusOK, nil
	})
	srv := httptest.NewServer(httpmw.ToHTTP(hello))
	defer srv.Close()

	for _, p := range []string{"/", "/missing"} {
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
	// / 200 hello
	// /missing 404 404 Not Found
}

// A middleware tested on its own with httptest: no network, no server.
func Example_unitTestAMiddleware() {
	// requireKey refuses requests without an API key.
	requireKey := func(next httpmw.Handler) httpmw.Handler {
		return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
			if r.Header.Get("X-Api-Key") != "secret" {
				return http.StatusUnauthorized, nil
			}
			return next.ServeHTTP(w, r)
		})
	}
	ok := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		io.WriteString(w, "ok")
		return http.StatusOK, nil
	})
	h := requireKey(ok)

	// Call the Handler directly: the returned status says who wrote what.
	rec := httptest.NewRecorder()
	status, err := h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(status, err, rec.Body.Len() == 0)

	// Or through the adapter, to see what a client would.
	rec = httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Api-Key", "secret")
	httpmw.ToHTTP(h).ServeHTTP(rec, req)
	fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	// Output:
	// 401 <nil> true
	// 200 ok
}
