package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
)

// lookupToken finds token's account comparing in constant time, so the
// time taken does not reveal how much of a guessed token was right.
func lookupToken(tokens map[string]string, token string) (string, bool) {
	h := sha256.Sum256([]byte(token))
	found := ""
	for tok, acct := range tokens {
		t := sha256.Sum256([]byte(tok))
		if subtle.ConstantTimeCompare(h[:], t[:]) == 1 {
			found = acct
		}
	}
	return found, found != ""
}

// basicAuth is a tunnel's HTTP basic-auth requirement. It keeps only a
// hash of the expected Authorization header, compared in constant time.
type basicAuth struct {
	want [sha256.Size]byte
}

// newBasicAuth returns nil for an empty "user:pass".
func newBasicAuth(userPass string) *basicAuth {
	if userPass == "" {
		return nil
	}
	return &basicAuth{want: sha256.Sum256([]byte(userPass))}
}

// allows reports whether a request carries the right credentials. Hashing
// first makes the comparison independent of their length.
func (a *basicAuth) allows(r *http.Request) bool {
	if a == nil {
		return true
	}
	user, pass, ok := r.BasicAuth()
	got := sha256.Sum256([]byte(user + ":" + pass))
	return subtle.ConstantTimeCompare(got[:], a.want[:])&boolInt(ok) == 1
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
