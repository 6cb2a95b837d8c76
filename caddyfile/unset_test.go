package caddyfile

import (
	"strings"
	"testing"
)

// TestUnsetEnv: an environment placeholder that expands to nothing is an
// error at its line wherever it names a path, file, address or secret, and
// allowed in free text (header and FastCGI env values, then's arguments).
func TestUnsetEnv(t *testing.T) {
	vars := env(map[string]string{"ROOT": "/srv/www"})
	for _, c := range []struct{ src, want string }{
		{":80\nroot {$UNSET}", `Caddyfile:2:6: root: {$UNSET} is not set or empty (line 2); set the environment variable`},
		{":80 {\n\tlog / /var/log/{$APP}.log\n}", `Caddyfile:2:8: log: {$APP} is not set or empty (line 2)`},
		{":80\nbrowse {$DOCS}", `Caddyfile:2:8: browse: {$DOCS} is not set or empty`},
		{":80\nfastcgi / {$FPM} php", `Caddyfile:2:11: fastcgi: {$FPM} is not set or empty`},
		{":80\nproxy / a:1 {\n upstream {$B}\n}", `Caddyfile:3:11: proxy: upstream: {$B} is not set or empty (line 3)`},
		{":80\ngit r {\n hook /deploy {$SECRET}\n}", `Caddyfile:3:15: git: hook: {$SECRET} is not set or empty`},
		{":80\ngit r {\n then {$BUILD} x\n}", `Caddyfile:3:7: git: then: {$BUILD} is not set or empty`},
		{"{$HOST}:80 {\n}", `Caddyfile:1:1: site address: {$HOST} is not set or empty`},
		{":80\n{$DIR}", `Caddyfile:2:1: directive name: {$DIR} is not set or empty`},
		{":80\ngzip {\n {$O} 1\n}", `Caddyfile:3:2: option name: {$O} is not set or empty`},
	} {
		err := Validate("Caddyfile", []byte(c.src), vars)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q:\n got  %v\n want %s...", c.src, err, c.want)
		}
	}
	for _, ok := range []string{
		":80\nroot {$ROOT}",
		":80\nroot \"{$ROOT}/public\"",
		":80\nproxy / a:1 {\n header_upstream X-Tenant {$TENANT}\n header_downstream +X-Build {$BUILD}\n}",
		":80\nfastcgi / 127.0.0.1:9000 php {\n env APP_ENV {$APP_ENV}\n}",
		":80\ngit r {\n then make {$TARGET}\n}",
	} {
		if err := Validate("Caddyfile", []byte(ok), vars); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}

func TestUnsetHeaderValue(t *testing.T) {
	for _, src := range []string{":80\nheader / X-Env {$UNSET_FOR_TEST}", ":80\nheader / {\n X-Env {$UNSET_FOR_TEST}\n}"} {
		if err := Validate("Caddyfile", []byte(src), env(nil)); err != nil {
			t.Errorf("%q: %v", src, err)
		}
	}
	err := Validate("Caddyfile", []byte(":80\nheader {$UNSET_FOR_TEST} X-A b"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "header: {$UNSET_FOR_TEST} is not set or empty") {
		t.Errorf("unset path: %v", err)
	}
}
