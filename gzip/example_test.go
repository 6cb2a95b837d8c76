package gzip_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/gzip"
)

func Example() {
	compress, err := gzip.New(gzip.Config{Level: 6})
	if err != nil {
		panic(err)
	}
	page := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, err := io.WriteString(w, strings.Repeat("all work and no play\n", 100))
		return http.StatusOK, err
	})
	srv := httptest.NewServer(httpmw.ToHTTP(compress.Middleware(page)))
	defer srv.Close()

	// Go's client asks for gzip and decodes it on its own.
	resp, err := http.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println("sent compressed:", resp.Uncompressed)
	fmt.Println("vary:", resp.Header.Get("Vary"))
	fmt.Println("lines:", strings.Count(string(body), "\n"))
	// Output:
	// sent compressed: true
	// vary: Accept-Encoding
	// lines: 100
}
