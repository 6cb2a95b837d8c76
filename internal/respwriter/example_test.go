package respwriter_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/httpmw/httpmw/internal/respwriter"
)

// A middleware wraps the response to learn what its handler sent.
func Example() {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "short and stout")
	})
	seen := make(chan string, 1)
	measured := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := respwriter.Get(w)
		defer respwriter.Put(rw)
		handler.ServeHTTP(rw, r)
		seen <- fmt.Sprint("status ", rw.Status(), ", bytes ", rw.Size())
	})
	srv := httptest.NewServer(measured)
	defer srv.Close()

	res, err := http.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	fmt.Println(<-seen)
	// Output: status 418, bytes 15
}
