package caddyfile

import (
	"strings"

	"github.com/httpmw/httpmw/basicauth"
)

// setupBasicauth reads Caddy 0.7's basicauth directive:
//
//	basicauth path user password
//	basicauth user password {
//		/path
//		/other/path
//		realm "Back office"    # httpmw: the realm browsers show (one per site)
//	}
//
// password is the password or its bcrypt hash ("$2y$...", from
// htpasswd -nbB user password), which keeps it out of the Caddyfile.
// A request under one or more lines' paths needs the user and password of
// one of those lines; others get 401. Caddy 0.7's htpasswd=file is not
// supported: put the file's bcrypt hash in place of the password.
func setupBasicauth(s *siteConfig, d Directive) error {
	if err := checkArgs(d, 2, 3, "basicauth [path] user password"); err != nil {
		return err
	}
	var r basicauth.Rule
	passArg := 1
	if len(d.Args) == 3 {
		if len(d.Options) > 0 {
			return errorf(d.Options[0].Pos, "basicauth: a path on the line and a block of paths: use one or the other")
		}
		r = basicauth.Rule{Paths: []string{d.Args[0]}, User: d.Args[1], Password: d.Args[2]}
		passArg = 2
	} else {
		r = basicauth.Rule{User: d.Args[0], Password: d.Args[1]}
		for _, o := range d.Options {
			if o.Name == "realm" {
				if err := checkOptionArgs("basicauth", o, 1, 1, "realm name"); err != nil {
					return err
				}
				if s.authRealm != "" && s.authRealm != o.Args[0] {
					return errorf(o.Pos, "basicauth: realm %q, but this site's realm is %q already", o.Args[0], s.authRealm)
				}
				s.authRealm = o.Args[0]
				continue
			}
			if len(o.Args) > 0 {
				return errorf(o.Pos, "basicauth: one path per line, got %q after %s", o.Args[0], o.written())
			}
			r.Paths = append(r.Paths, o.written()) // paths are case-sensitive
		}
		if len(r.Paths) == 0 {
			return errorf(d.Pos, "basicauth: expected a path: basicauth path user password, or a block of paths")
		}
	}
	if strings.HasPrefix(r.Password, "htpasswd=") {
		return errorf(argPos(d, passArg), "basicauth: htpasswd files are not supported by httpmw; put the bcrypt hash ($2y$...) in place of the password")
	}
	cfg := basicauth.Config{Realm: s.authRealm, Rules: append(append([]basicauth.Rule(nil), s.auth.Rules...), r)}
	if _, err := basicauth.New(cfg); err != nil {
		// The messages name fields and never quote a password.
		return errorf(d.Pos, "%v", err)
	}
	s.auth, s.authPos = cfg, d.Pos
	return nil
}
