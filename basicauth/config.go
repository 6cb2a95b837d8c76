package basicauth

import (
	"crypto/sha256"
	"fmt"
	"strings"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/cfgerr"
	"golang.org/x/crypto/bcrypt"
)

// DefaultRealm is the realm sent when Config.Realm is empty.
const DefaultRealm = "Restricted"

func invalid(field, format string, args ...any) error {
	return cfgerr.New("basicauth", "Config."+field, format, args...)
}

// Config lists who may see which paths. Its zero value protects nothing.
type Config struct {
	// Rules each give one user access to some paths. A request under any
	// rule's paths needs the credentials of one of the rules that cover
	// it; other requests pass untouched.
	Rules []Rule

	// Realm is sent in WWW-Authenticate; browsers may show it in their
	// login prompt. "" means DefaultRealm.
	Realm string
}

// Rule is one user and the paths it opens.
type Rule struct {
	// Paths are request path prefixes, matched as httpmw.Path does
	// (whole segments, cleaned): "/" is every path. At least one.
	Paths []string

	// User is the user name, compared exactly.
	User string

	// Password is the password, or its bcrypt hash ("$2a$", "$2b$" or
	// "$2y$", as htpasswd -B writes), which keeps the password itself out
	// of config files. A bcrypt check costs tens of milliseconds of CPU
	// by design (cost 10: about 50ms).
	Password string
}

// rule is a validated Rule.
type rule struct {
	paths []httpmw.Path
	cred  [sha256.Size]byte // of "user:password", for a plain password
	user  [sha256.Size]byte // of the user, for a bcrypt one
	hash  []byte            // the bcrypt hash
}

func (c Config) rules() ([]rule, string, error) {
	realm := c.Realm
	if realm == "" {
		realm = DefaultRealm
	}
	for i := 0; i < len(realm); i++ {
		if b := realm[i]; b < ' ' || b == 0x7f || b == '"' || b == '\\' {
			return nil, "", invalid("Realm", "must not hold quotes, backslashes or control characters")
		}
	}
	var out []rule
	for i, r := range c.Rules {
		field := func(name string) string { return fmt.Sprintf("Rules[%d].%s", i, name) }
		if len(r.Paths) == 0 {
			return nil, "", invalid(field("Paths"), `must list at least one path ("/" for all)`)
		}
		var cr rule
		for _, p := range r.Paths {
			if !strings.HasPrefix(p, "/") {
				return nil, "", invalid(field("Paths"), "%q: must start with /", p)
			}
			cr.paths = append(cr.paths, httpmw.Path{Base: p})
		}
		if r.User == "" {
			return nil, "", invalid(field("User"), "must not be empty")
		}
		if strings.IndexByte(r.User, ':') >= 0 {
			return nil, "", invalid(field("User"), "must not contain a colon (Basic auth splits on it)")
		}
		if r.Password == "" {
			return nil, "", invalid(field("Password"), "must not be empty")
		}
		if isBcrypt(r.Password) {
			if _, err := bcrypt.Cost([]byte(r.Password)); err != nil {
				// The error text quotes nothing of the hash.
				return nil, "", invalid(field("Password"), "looks like a bcrypt hash but is not a valid one")
			}
			cr.hash = []byte(r.Password)
			cr.user = sha256.Sum256([]byte(r.User))
		} else {
			// The user has no colon, so "user:password" names one pair.
			cr.cred = sha256.Sum256([]byte(r.User + ":" + r.Password))
		}
		out = append(out, cr)
	}
	return out, realm, nil
}

func isBcrypt(s string) bool {
	return strings.HasPrefix(s, "$2a$") || strings.HasPrefix(s, "$2b$") || strings.HasPrefix(s, "$2y$")
}
