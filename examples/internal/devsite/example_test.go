package devsite_test

import (
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/httpmw/httpmw/examples/internal/devsite"
)

// An empty folder shows the welcome page; once it has a file, a listing.
func Example() {
	dir, err := os.MkdirTemp("", "devsite-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	welcome := template.Must(template.New("w").Parse("nothing here yet\n"))
	site, access, err := devsite.New(dir, io.Discard, welcome)
	if err != nil {
		panic(err)
	}
	defer access.Close()
	srv := httptest.NewServer(site)
	defer srv.Close()

	get := func(path string) string {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			panic(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	fmt.Print(get("/"))
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello\n"), 0o644)
	fmt.Println("listing shows notes.txt:", strings.Contains(get("/"), `href="notes.txt"`))
	fmt.Print(get("/notes.txt"))
	// Output:
	// nothing here yet
	// listing shows notes.txt: true
	// hello
}
