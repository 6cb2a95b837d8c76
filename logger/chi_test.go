package logger

import (
	"net/http"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/httpmw/httpmw"
)

// TestWithChi drops the logger into a chi router the way the README shows.
func TestWithChi(t *testing.T) {
	out := &writes{}
	l := mustNew(t, Config{Format: "{method} {path} {status} {size}", Output: out})
	r := chi.NewRouter()
	r.Use(httpmw.ToHTTPMiddleware(l.Middleware))
	r.Get("/hello", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("hello")) })
	srv := httpmustServer(t, r)

	get(t, srv.Client(), mustRequest(t, srv.URL+"/hello"))
	get(t, srv.Client(), mustRequest(t, srv.URL+"/nowhere"))
	req, _ := http.NewRequest("POST", srv.URL+"/hello", nil)
	get(t, srv.Client(), req)

	got := strings.Join(out.lines(t), "\n")
	want := "GET /hello 200 5\nGET /nowhere 404 19\nPOST /hello 405 0"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}
