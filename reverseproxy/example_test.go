package reverseproxy_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/balancer"
	"github.com/httpmw/httpmw/reverseproxy"
)

func Example() {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "backend saw %s, forwarded for %s\n", r.URL.Path, r.Header.Get("X-Forwarded-For"))
	}))
	defer backend.Close()

	proxy, err := reverseproxy.New(reverseproxy.Config{
		Path:     "/api",
		Without:  "/api",
		Balancer: balancer.Config{Upstreams: []balancer.Upstream{{Addr: backend.URL}}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer proxy.Close()
	site := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		io.WriteString(w, "site page\n")
		return http.StatusOK, nil
	})
	front := httptest.NewServer(httpmw.ToHTTP(proxy.Middleware(site)))
	defer front.Close()

	for _, path := range []string{"/api/users", "/about"} {
		res, err := http.Get(front.URL + path)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Print(string(body))
	}
	// Output:
	// backend saw /users, forwarded for 127.0.0.1
	// site page
}
