package basicauth_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/httpmw/httpmw/basicauth"
)

// FuzzAuthorization sends arbitrary Authorization headers: no panic, and
// only the exact credentials pass.
func FuzzAuthorization(f *testing.F) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, seed := range []string{
		"", "Basic", "Basic ", "basic " + b64("alice:pw"), "Basic " + b64("alice:pw"),
		"Basic " + b64("alice:pw:x"), "Basic " + b64("alice"), "Basic =", "Basic " + b64(":"),
		"Basic " + b64("alice:pw\x00"), "Bearer abc", "Basic\t" + b64("alice:pw"), "Basic  " + b64("alice:pw"),
	} {
		f.Add(seed)
	}
	auth, err := basicauth.New(basicauth.Config{Rules: []basicauth.Rule{{Paths: []string{"/"}, User: "alice", Password: "pw"}}})
	if err != nil {
		f.Fatal(err)
	}
	h := auth.Middleware(whoami)
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", header)
		status, _ := h.ServeHTTP(httptest.NewRecorder(), r)
		u, p, ok := r.BasicAuth() // the stdlib's reading, the one logger's {user} shows
		valid := ok && u == "alice" && p == "pw"
		if valid != (status == http.StatusOK) {
			t.Fatalf("header %q: status %d, stdlib reads (%q, %q, %v)", header, status, u, p, ok)
		}
		if status != http.StatusOK && status != http.StatusUnauthorized {
			t.Fatalf("status %d", status)
		}
	})
}
