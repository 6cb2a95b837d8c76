package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRouter(t *testing.T) {
	srv := httptest.NewServer(router())
	defer srv.Close()
	for _, tc := range []struct {
		path, accept string
		code         int
		body         string
	}{
		{"/", "", 200, "home\n"},
		{"/api/gopher", "application/json", 200, "{\"hello\":\"gopher\"}\n"},
		{"/api/gopher", "text/html", 406, "406 Not Acceptable\n"},
		{"/missing", "", 404, "404 page not found\n"},
	} {
		req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
		if tc.accept != "" {
			req.Header.Set("Accept", tc.accept)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.code || string(body) != tc.body || res.Header.Get("X-Request-Id") == "" {
			t.Errorf("%s (Accept %q): %d %q id=%q", tc.path, tc.accept, res.StatusCode, body, res.Header.Get("X-Request-Id"))
		}
	}
}
