package caddyfile_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/httpmw/httpmw/caddyfile"
)

func Example() {
	src := `localhost:8080 {
	gzip
	proxy /api 127.0.0.1:9001 127.0.0.1:9002 {
		policy round_robin
	}
}`
	f, err := caddyfile.Parse("Caddyfile", []byte(src), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	site := f.Sites[0]
	fmt.Println(site.Addresses[0])
	for _, d := range site.Directives {
		fmt.Println(d.Pos.Line, d.Name, d.Args, len(d.Options))
	}
	_, err = caddyfile.Parse("Caddyfile", []byte("localhost {\n\tgzip\n"), nil)
	fmt.Println(err)
	// Output:
	// localhost:8080
	// 2 gzip [] 0
	// 3 proxy [/api 127.0.0.1:9001 127.0.0.1:9002] 1
	// Caddyfile:2:6: expected "}" to close the block opened at Caddyfile:1:11
}

// ExampleLoad builds the handler of a Caddyfile with two sites on one port
// and serves it with httptest.
func ExampleLoad() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello from the files"), 0o644)

	src := `
files.example:2015 {
	root {$SITE}
	gzip
}
:2015 {
	proxy / {$API}
}
`
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "api got %s", r.URL.Path)
	}))
	defer api.Close()
	vars := map[string]string{"SITE": dir, "API": api.Listener.Addr().String()}

	inst, err := caddyfile.Load("Caddyfile", []byte(src), func(k string) string { return vars[k] })
	if err != nil {
		fmt.Println(err)
		return
	}
	defer inst.Close()
	srv := inst.Servers[0]
	fmt.Println(srv.Addr, srv.Sites)

	ts := httptest.NewServer(srv.Handler) // in production: http.ListenAndServe(srv.Addr, srv.Handler)
	defer ts.Close()
	for _, host := range []string{"files.example", "other.example"} {
		req, _ := http.NewRequest("GET", ts.URL+"/hello.txt", nil)
		req.Host = host
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Printf("%s: %s\n", host, body)
	}
	// Output:
	// :2015 [files.example:2015 :2015]
	// files.example: hello from the files
	// other.example: api got /hello.txt
}
