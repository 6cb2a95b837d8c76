// Command chi shows httpmw middleware in a chi router: the middlewares are
// composed with httpmw.Chain (one scoped to a path prefix with
// httpmw.Under) and adapted once with httpmw.ToHTTPMiddleware, so one edge
// writes every error page.
//
//	go run ./examples/chi
//	curl -i localhost:3000/api/hello
//
// The server has the timeouts of internal/httpserve (flags -header-timeout,
// -body-timeout, -write-timeout, -idle-timeout, -max-header-bytes).
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/go-chi/chi/v5"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/httpserve"
)

func main() {
	listen := flag.String("listen", "localhost:3000", "address to listen on")
	var lim httpserve.Limits
	lim.Flags(flag.CommandLine)
	flag.Parse()
	// lim's timeouts close slowloris headers, dripped bodies and clients
	// that stop reading; see internal/httpserve for why not http.Server's
	// ReadTimeout and WriteTimeout.
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("chi example on http://%s/", ln.Addr())
	log.Fatal(lim.Server(router()).Serve(lim.Listener(ln)))
}

func router() http.Handler {
	r := chi.NewRouter()
	r.Use(httpmw.ToHTTPMiddleware(httpmw.Chain(
		requestID,
		httpmw.Under(httpmw.Path{Base: "/api"}, requireJSON),
	)))
	r.Get("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "home")
	})
	r.Get("/api/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, "{\"hello\":%q}\n", chi.URLParam(r, "name"))
	})
	return r
}

// requestID gives every response an X-Request-Id, taken from the request
// when a proxy in front already set one.
func requestID(next httpmw.Handler) httpmw.Handler {
	var n atomic.Uint64
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		id := r.Header.Get("X-Request-Id")
		if id == "" {
			id = strconv.FormatUint(n.Add(1), 10)
		}
		w.Header().Set("X-Request-Id", id)
		return next.ServeHTTP(w, r)
	})
}

// requireJSON refuses API requests that do not accept JSON, with 406 left
// for the adapter to write.
func requireJSON(next httpmw.Handler) httpmw.Handler {
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		if a := r.Header.Get("Accept"); a != "" && a != "*/*" && a != "application/json" {
			return http.StatusNotAcceptable, nil
		}
		return next.ServeHTTP(w, r)
	})
}
