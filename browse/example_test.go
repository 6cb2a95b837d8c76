package browse_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/browse"
)

func Example() {
	dir, _ := os.MkdirTemp("", "browse-example")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello, world\n"), 0o644)
	os.WriteFile(filepath.Join(dir, ".env"), []byte("TOKEN=secret\n"), 0o644)
	os.Mkdir(filepath.Join(dir, "docs"), 0o755)

	site, err := browse.New(browse.Config{Root: dir, Listing: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer site.Close()
	srv := httptest.NewServer(httpmw.ToHTTP(site))
	defer srv.Close()

	get := func(path, accept string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Accept", accept)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		fmt.Printf("%s %d %s\n%s", path, res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	get("/hello.txt", "")
	get("/.env", "")          // dotfiles are hidden
	get("/", "text/plain")    // one name per line, folders first
	get("/../etc/passwd", "") // refused before any file is touched

	// JSON listings have documented snake_case fields.
	req, _ := http.NewRequest("GET", srv.URL+"/?sort=size&order=desc", nil)
	req.Header.Set("Accept", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Body.Close()
	var listing struct {
		Path  string `json:"path"`
		Total int    `json:"total"`
		Items []struct {
			Name  string `json:"name"`
			URL   string `json:"url"`
			Size  int64  `json:"size"`
			IsDir bool   `json:"is_dir"`
		} `json:"items"`
	}
	json.NewDecoder(res.Body).Decode(&listing)
	fmt.Println(listing.Path, listing.Total)
	for _, it := range listing.Items {
		fmt.Println(it.Name, it.URL, it.Size, it.IsDir)
	}
	// Output:
	// /hello.txt 200 text/plain; charset=utf-8
	// hello, world
	// /.env 404 text/plain; charset=utf-8
	// 404 Not Found
	// / 200 text/plain; charset=utf-8
	// docs/
	// hello.txt
	// /../etc/passwd 400 text/plain; charset=utf-8
	// 400 Bad Request
	// / 2
	// docs docs/ 0 true
	// hello.txt hello.txt 13 false
}

// Static files in front of an application: what is not a file goes on.
func ExampleServer_Middleware() {
	dir, _ := os.MkdirTemp("", "browse-example")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "style.css"), []byte("body{}"), 0o644)

	site, err := browse.New(browse.Config{Root: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer site.Close()
	app := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		fmt.Fprintf(w, "app: %s %s\n", r.Method, r.URL.Path)
		return http.StatusOK, nil
	})
	srv := httptest.NewServer(httpmw.ToHTTP(site.Middleware(app)))
	defer srv.Close()

	for _, p := range []string{"/style.css", "/api/users"} {
		res, err := http.Get(srv.URL + p)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Printf("%s: %s\n", p, body)
	}
	// Output:
	// /style.css: body{}
	// /api/users: app: GET /api/users
}
