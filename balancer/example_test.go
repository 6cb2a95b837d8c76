package balancer_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/httpmw/httpmw/balancer"
)

func Example() {
	var ups []balancer.Upstream
	for _, name := range []string{"one", "two"} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, name)
		}))
		defer srv.Close()
		ups = append(ups, balancer.Upstream{Addr: srv.URL})
	}
	pool, err := balancer.New(balancer.Config{Upstreams: ups, Policy: balancer.PolicyRoundRobin})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pool.Close()

	for range 4 {
		h, err := pool.Acquire(nil, nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		start := time.Now()
		res, err := http.Get("http://" + h.Addr().Address + "/")
		if err != nil {
			pool.Release(h, balancer.Report{Failed: true})
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		pool.Release(h, balancer.Report{Status: res.StatusCode, Latency: time.Since(start)})
		fmt.Println(string(body))
	}
	// Output:
	// one
	// two
	// one
	// two
}
