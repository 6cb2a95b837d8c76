package basicauth_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/basicauth"
)

func Example() {
	auth, err := basicauth.New(basicauth.Config{
		Rules: []basicauth.Rule{{Paths: []string{"/admin"}, User: "alice", Password: "s3cret"}},
		Realm: "Back office",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	site := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		user, _, _ := r.BasicAuth()
		fmt.Fprintf(w, "hello %q", user)
		return http.StatusOK, nil
	})
	srv := httptest.NewServer(httpmw.ToHTTP(auth.Middleware(site)))
	defer srv.Close()

	for _, c := range []struct{ path, user, pass string }{
		{"/", "", ""},
		{"/admin", "", ""},
		{"/admin", "alice", "guess"},
		{"/admin/users", "alice", "s3cret"},
	} {
		req, _ := http.NewRequest("GET", srv.URL+c.path, nil)
		if c.user != "" {
			req.SetBasicAuth(c.user, c.pass)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Printf("%s %s: %d %q %s\n", c.path, c.user, res.StatusCode, res.Header.Get("WWW-Authenticate"), body)
	}
	// Output:
	// / : 200 "" hello ""
	// /admin : 401 "Basic realm=\"Back office\", charset=\"UTF-8\"" 401 Unauthorized
	//
	// /admin alice: 401 "Basic realm=\"Back office\", charset=\"UTF-8\"" 401 Unauthorized
	//
	// /admin/users alice: 200 "" hello "alice"
}
