package basicauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/httpmw/httpmw"
)

// Auth asks for credentials on the paths its rules cover. It is safe for
// concurrent use; make one with New.
type Auth struct {
	rules     []rule
	challenge []string // the WWW-Authenticate value
}

// New validates c and returns the middleware, or a *httpmw.ConfigError naming
// the first bad field.
func New(c Config) (*Auth, error) {
	rules, realm, err := c.rules()
	if err != nil {
		return nil, err
	}
	return &Auth{rules: rules, challenge: []string{`Basic realm="` + realm + `", charset="UTF-8"`}}, nil
}

// Middleware hands next the requests that need no credentials or bring
// valid ones, and answers the others 401 (unwritten, with
// WWW-Authenticate set) for the caller to write.
func (a *Auth) Middleware(next httpmw.Handler) httpmw.Handler {
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		if a.allowed(r) {
			return next.ServeHTTP(w, r)
		}
		w.Header()["Www-Authenticate"] = a.challenge
		return http.StatusUnauthorized, nil
	})
}

// allowed reports whether r needs no credentials or has those of a rule
// that covers its path.
func (a *Auth) allowed(r *http.Request) bool {
	var c creds
	covered := false
	asked := askedPath(r)
	for i := range a.rules {
		rl := &a.rules[i]
		if !rl.covers(r.URL.Path) && (asked == "" || !rl.covers(asked)) {
			continue
		}
		if !covered {
			covered = true
			var ok bool
			if c.user, c.password, ok = r.BasicAuth(); !ok {
				return false
			}
		}
		if rl.check(&c) {
			return true
		}
	}
	return !covered
}

// askedPath is the path the client sent when a rewrite earlier in the
// chain (ext, rewrite) changed r.URL.Path, "" otherwise. Both paths must
// pass: "basicauth /admin" guards /admin also when ext served it as
// /admin.html, which is not under /admin.
func askedPath(r *http.Request) string {
	uri := r.RequestURI
	if uri == "" || uri[0] != '/' {
		return "" // made in process, or "*" or absolute-form: no rewrite to see
	}
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		uri = uri[:i]
	}
	if uri == r.URL.EscapedPath() || uri == r.URL.Path {
		return ""
	}
	p, err := url.PathUnescape(uri)
	if err != nil {
		return uri
	}
	return p
}

// creds are the credentials a request sent, with their digests made on
// first use.
type creds struct {
	user, password     string
	cred, userDigest   [sha256.Size]byte
	hasCred, hasDigest bool
}

func (rl *rule) covers(path string) bool {
	for _, p := range rl.paths {
		if p.Matches(path) {
			return true
		}
	}
	return false
}

// check compares fixed-size digests in constant time, so the time taken
// tells nothing of how much of a name or password was right, nor its
// length. A bcrypt password is checked even when the user is wrong, so
// its cost does not reveal which user names exist.
func (rl *rule) check(c *creds) bool {
	if rl.hash == nil {
		if !c.hasCred {
			var buf [128]byte // on the stack for the usual sizes
			b := append(append(append(buf[:0], c.user...), ':'), c.password...)
			c.cred, c.hasCred = sha256.Sum256(b), true
		}
		return subtle.ConstantTimeCompare(c.cred[:], rl.cred[:]) == 1
	}
	if !c.hasDigest {
		c.userDigest, c.hasDigest = sha256.Sum256([]byte(c.user)), true
	}
	userOK := subtle.ConstantTimeCompare(c.userDigest[:], rl.user[:])
	passOK := 0
	if bcrypt.CompareHashAndPassword(rl.hash, []byte(c.password)) == nil {
		passOK = 1
	}
	return userOK&passOK == 1
}
