package errorpage_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/errorpage"
)

func Example() {
	root, _ := os.MkdirTemp("", "errorpage-example")
	defer os.RemoveAll(root)
	os.WriteFile(filepath.Join(root, "404.html"), []byte("<h1>No such page</h1>\n"), 0o644)

	var errorLog strings.Builder
	pages, err := errorpage.New(errorpage.Config{
		Root:  root,
		Pages: map[int]string{404: "404.html"},
		Log:   &errorLog,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pages.Close()
	site := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		switch r.URL.Path {
		case "/":
			io.WriteString(w, "home\n")
			return http.StatusOK, nil
		case "/db":
			return http.StatusBadGateway, fmt.Errorf("dial tcp 10.0.0.5:5432: connection refused")
		}
		return http.StatusNotFound, nil
	})
	srv := httptest.NewServer(httpmw.ToHTTP(pages.Middleware(site)))
	defer srv.Close()

	for _, p := range []string{"/", "/missing", "/db"} {
		res, err := http.Get(srv.URL + p)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Printf("%s %d %s", p, res.StatusCode, body)
	}
	// The error text went to the log, not to the client.
	fmt.Println(strings.Contains(errorLog.String(), "[ERROR 502 /db] dial tcp 10.0.0.5:5432: connection refused"))
	// Output:
	// / 200 home
	// /missing 404 <h1>No such page</h1>
	// /db 502 502 Bad Gateway
	// true
}
