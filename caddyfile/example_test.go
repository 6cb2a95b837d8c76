package caddyfile_test

import (
	"fmt"

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
