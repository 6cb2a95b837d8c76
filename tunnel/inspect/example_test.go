package inspect_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/tunnel/inspect"
)

func Example() {
	// The app, served through the inspector's middleware.
	var in *inspect.Inspector
	hello := httpmw.FromHTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "hello %s", body)
	}))
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpmw.ToHTTP(in.Middleware(hello)).ServeHTTP(w, r)
	}))
	defer app.Close()

	// Replay goes to the app's own address, and nowhere else.
	in, err := inspect.New(inspect.Config{Target: app.URL})
	if err != nil {
		panic(err)
	}
	defer in.Close()
	ui := httptest.NewServer(httpmw.ToHTTP(in.Handler())) // the devserver uses 127.0.0.1:4040
	defer ui.Close()

	res, err := http.Post(app.URL+"/greet", "text/plain", strings.NewReader("gopher"))
	if err != nil {
		panic(err)
	}
	res.Body.Close()

	replayed, err := in.Replay(context.Background(), 1, nil)
	if err != nil {
		panic(err)
	}
	for _, ex := range in.Exchanges() {
		fmt.Printf("#%d %s %s -> %d %q (replay of %d)\n", ex.ID, ex.Request.Method, ex.Request.URL,
			ex.Response.Status, ex.Response.Body.Body, ex.ReplayOf)
	}
	fmt.Println(replayed.ID)

	// The same, for tools, from the JSON API.
	res, err = http.Get(ui.URL + "/api/exchanges/2")
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	fmt.Println(res.Status, res.Header.Get("Content-Type"))
	http.DefaultClient.CloseIdleConnections()
	// Output:
	// #1 POST /greet -> 200 "hello gopher" (replay of 0)
	// #2 POST /greet -> 200 "hello gopher" (replay of 1)
	// 2
	// 200 OK application/json
}
