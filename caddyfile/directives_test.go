package caddyfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/balancer"
	"github.com/httpmw/httpmw/logger"
	"github.com/httpmw/httpmw/reverseproxy"
)

// checkOne runs the setups of a one-site file and returns what they recorded.
func checkOne(t *testing.T, src string) *siteConfig {
	t.Helper()
	sites, err := check("Caddyfile", []byte(src), env(nil))
	if err != nil {
		t.Fatalf("%s\nerror: %v", src, err)
	}
	if len(sites) != 1 {
		t.Fatalf("%d sites", len(sites))
	}
	return sites[0].cfg
}

func TestRoot(t *testing.T) {
	if s := checkOne(t, ":8080\nroot /srv/site"); s.root != "/srv/site" || s.rootPos.Line != 2 {
		t.Fatalf("root %q at %v", s.root, s.rootPos)
	}
	if s := checkOne(t, ":8080\ngzip"); s.root != "" {
		t.Fatalf("default root %q, want the working directory", s.root)
	}
}

func TestGzip(t *testing.T) {
	s := checkOne(t, ":8080\ngzip")
	if s.gzip == nil || s.gzip.Level != 0 || s.gzip.Ext != nil {
		t.Fatalf("plain gzip: %+v", s.gzip)
	}
	s = checkOne(t, ":8080\ngzip {\n ext .html .css\n not /images /videos\n level 9\n min_length 100\n}")
	want := []string{".html", ".css"}
	if !reflect.DeepEqual(s.gzip.Ext, want) || !reflect.DeepEqual(s.gzip.Not, []string{"/images", "/videos"}) ||
		s.gzip.Level != 9 || s.gzip.MinLength != 100 {
		t.Fatalf("gzip options: %+v", s.gzip)
	}
	if s = checkOne(t, ":8080\ngzip {\n ext *\n}"); !reflect.DeepEqual(s.gzip.Ext, []string{"*"}) {
		t.Fatalf("ext *: %+v", s.gzip)
	}
}

func TestLog(t *testing.T) {
	s := checkOne(t, `:8080
log
log /var/log/site.log
log /api stdout {combined}
log / stderr "{remote} {method} {uri} {status} {latency}"
`)
	want := []logger.Config{
		{File: "access.log", Format: logger.Common},
		{File: "/var/log/site.log", Format: logger.Common},
		{File: "stdout", Format: logger.Combined, Path: httpmw.Path{Base: "/api"}},
		{File: "stderr", Format: "{remote} {method} {uri} {status} {latency}", Path: httpmw.Path{Base: "/"}},
	}
	for i, l := range s.logs {
		if !reflect.DeepEqual(l.cfg, want[i]) {
			t.Errorf("log %d: %+v, want %+v", i, l.cfg, want[i])
		}
	}
}

func TestBrowse(t *testing.T) {
	tpl := filepath.Join(t.TempDir(), "listing.html")
	os.WriteFile(tpl, []byte(`<ul>{{range .Items}}<li>{{.Name}}</li>{{end}}</ul>`), 0o644)
	s := checkOne(t, ":8080\nbrowse\nbrowse /docs "+tpl)
	if len(s.browse) != 2 || s.browse[0].path != "/" || s.browse[1].path != "/docs" || s.browse[1].tmpl == nil {
		t.Fatalf("browse: %+v", s.browse)
	}
}

func TestProxy(t *testing.T) {
	s := checkOne(t, `:8080
proxy / localhost:8081
proxy /api 10.0.0.1:80 http://10.0.0.2:80 {
	policy round_robin
	fail_timeout 30s
	max_fails 3
	health_check /health 15s
	health_check_timeout 2s
	header_upstream X-Custom {host}
	proxy_header +X-Added yes
	header_downstream -Server
	header_downstream X-Via httpmw
	without /api
	except /api/static /api/assets
	upstream unix:/run/app.sock
	websocket
}
proxy /t 10.0.0.3:80 {
	transparent
	policy header X-User
	fail_timeout 0
	max_fails 5
	insecure_skip_verify
}
`)
	p0 := s.proxies[0].cfg
	if p0.Path != "/" || p0.Balancer.Policy != balancer.PolicyRandom || !p0.UpstreamHost ||
		len(p0.Balancer.Upstreams) != 1 || p0.Balancer.Upstreams[0].Addr != "localhost:8081" {
		t.Fatalf("defaults: %+v", p0)
	}
	p := s.proxies[1].cfg
	ups := []balancer.Upstream{{Addr: "10.0.0.1:80"}, {Addr: "http://10.0.0.2:80"}, {Addr: "unix:/run/app.sock"}}
	if !reflect.DeepEqual(p.Balancer.Upstreams, ups) {
		t.Errorf("upstreams %+v", p.Balancer.Upstreams)
	}
	if p.Balancer.Policy != balancer.PolicyRoundRobin || p.Balancer.Passive.FailWindow != 30*time.Second ||
		p.Balancer.Passive.MaxFails != 3 {
		t.Errorf("balancing: %+v", p.Balancer)
	}
	if a := p.Balancer.Active; a.Path != "/health" || a.Interval != 15*time.Second || a.Timeout != 2*time.Second {
		t.Errorf("health check: %+v", a)
	}
	up := []reverseproxy.HeaderRule{
		{Op: reverseproxy.HeaderSet, Name: "X-Custom", Value: "{host}"},
		{Op: reverseproxy.HeaderAdd, Name: "X-Added", Value: "yes"},
	}
	down := []reverseproxy.HeaderRule{
		{Op: reverseproxy.HeaderDelete, Name: "Server"},
		{Op: reverseproxy.HeaderSet, Name: "X-Via", Value: "httpmw"},
	}
	if !reflect.DeepEqual(p.HeaderUp, up) || !reflect.DeepEqual(p.HeaderDown, down) {
		t.Errorf("headers: up %+v down %+v", p.HeaderUp, p.HeaderDown)
	}
	if p.Without != "/api" || !reflect.DeepEqual(p.Except, []string{"/api/static", "/api/assets"}) {
		t.Errorf("without/except: %q %v", p.Without, p.Except)
	}
	p = s.proxies[2].cfg
	if len(p.HeaderUp) != 3 || p.HeaderUp[0].Name != "Host" || p.HeaderUp[0].Value != "{host}" {
		t.Errorf("transparent: %+v", p.HeaderUp)
	}
	if p.Balancer.Policy != balancer.PolicyHeader || p.Balancer.HashHeader != "X-User" {
		t.Errorf("header policy: %+v", p.Balancer)
	}
	if p.Balancer.Passive.MaxFails != -1 {
		t.Errorf("fail_timeout 0 should turn passive checks off, MaxFails %d", p.Balancer.Passive.MaxFails)
	}
	if p.TLS == nil || !p.TLS.InsecureSkipVerify {
		t.Errorf("insecure_skip_verify not set")
	}
	for _, name := range []string{"least_conn", "random", "ip_hash", "uri_hash", "first", "weighted_round_robin", "random_choose", "cookie"} {
		s := checkOne(t, ":1\nproxy / a:1 {\n policy "+name+"\n}")
		if string(s.proxies[0].cfg.Balancer.Policy) != name {
			t.Errorf("policy %s: %v", name, s.proxies[0].cfg.Balancer.Policy)
		}
	}
}

func TestFastCGI(t *testing.T) {
	s := checkOne(t, `:8080
fastcgi / 127.0.0.1:9000 php
fastcgi /app unix:/run/php.sock {
	ext .php5
	split .php5
	index main.php5 index.php5
	env APP_ENV production
	env DB_HOST db
	except /app/static
	root /var/www/app
}
`)
	php := s.fcgis[0]
	if php.path != "/" || php.cfg.Ext != ".php" || php.cfg.Split != ".php" ||
		!reflect.DeepEqual(php.cfg.Index, []string{"index.php"}) || php.cfg.Endpoints[0] != "127.0.0.1:9000" {
		t.Fatalf("php preset: %+v", php)
	}
	app := s.fcgis[1]
	if app.cfg.Ext != ".php5" || app.cfg.Split != ".php5" || !reflect.DeepEqual(app.cfg.Index, []string{"main.php5", "index.php5"}) ||
		!reflect.DeepEqual(app.cfg.Env, map[string]string{"APP_ENV": "production", "DB_HOST": "db"}) ||
		!reflect.DeepEqual(app.cfg.Except, []string{"/app/static"}) || app.cfg.UpstreamRoot != "/var/www/app" ||
		app.cfg.Endpoints[0] != "unix:/run/php.sock" {
		t.Fatalf("options: %+v", app)
	}
}

func TestGit(t *testing.T) {
	s := checkOne(t, `:8080
git github.com/user/site
git git@github.com:user/blog.git blog {
	branch main
	key /etc/keys/deploy
	interval 60
	then hugo --minify
	hook /deploy s3cret
}
git {
	repo https://example.com/x.git
	path /srv/x
	interval 5m
}
`)
	g := s.gits[0]
	if g.cfg.URL != "https://github.com/user/site" || g.path != "" || g.cfg.Interval != time.Hour {
		t.Fatalf("short form: %+v", g)
	}
	g = s.gits[1]
	if g.cfg.URL != "git@github.com:user/blog.git" || g.path != "blog" || g.cfg.Branch != "main" ||
		g.cfg.Auth.SSHKeyFile != "/etc/keys/deploy" || g.cfg.Interval != time.Minute ||
		!reflect.DeepEqual(g.cfg.Then, []string{"hugo", "--minify"}) || g.hook != "/deploy" || g.secret != "s3cret" {
		t.Fatalf("block: %+v", g)
	}
	if g = s.gits[2]; g.cfg.URL != "https://example.com/x.git" || g.path != "/srv/x" || g.cfg.Interval != 5*time.Minute {
		t.Fatalf("repo in block: %+v", g)
	}
	if u := repoURL("github.com/user/site", true); u != "git@github.com:user/site" {
		t.Fatalf("ssh short form: %s", u)
	}
}

// TestDirectiveOrder checks that the chain follows Caddy's order whatever
// the order of the lines.
func TestDirectiveOrder(t *testing.T) {
	var names []string
	for _, d := range directiveOrder {
		names = append(names, d.name)
	}
	if got := strings.Join(names, " "); got != "root git log gzip errors header rewrite redir ext basicauth internal proxy fastcgi browse" {
		t.Fatalf("order %s", got)
	}
}

func TestMalformedDirectives(t *testing.T) {
	tpl := filepath.Join(t.TempDir(), "bad.html")
	os.WriteFile(tpl, []byte(`{{range}}`), 0o644)
	cases := []struct{ src, want string }{
		{":80\nrewritten / /x", `Caddyfile:2:1: unknown directive "rewritten"; the directives are: basicauth, browse, errors, ext, fastcgi, git, gzip, header, internal, log, proxy, redir, rewrite, root`},
		{":80\nmarkdown /blog", `Caddyfile:2:1: markdown (line 2): a Caddy 0.7 directive not supported by httpmw; the directives that run are: basicauth, browse, errors, ext, fastcgi, git, gzip, header, internal, log, proxy, redir, rewrite, root`},
		{":80 {\n\troot /x\n\ttls off\n}", `Caddyfile:3:2: tls (line 3): a Caddy 0.7 directive not supported by httpmw`},
		{":80 {\n  root\n}", `Caddyfile:2:3: root: expected "root path", got 0 argument(s)`},
		{":80\nroot /a\nroot /b", `Caddyfile:3:1: root: set twice in one site (first at Caddyfile:2:1)`},
		{":80\ngzip {\n level 12\n}", `Caddyfile:3:2: gzip: level: expected a number from 1 to 9, got "12"`},
		{":80\ngzip {\n ext html\n}", `Caddyfile:3:2: gzip: ext: expected an extension such as .html, or *, got "html"`},
		{":80\ngzip {\n types text/html\n}", `Caddyfile:3:2: gzip: unknown option "types"; expected one of: ext, not, level, min_length`},
		{":80\ngzip\ngzip", `Caddyfile:3:1: gzip: set twice in one site (first at Caddyfile:2:1)`},
		{":80\nlog / a.log {nope}", `Caddyfile:2:13: log: logger: Config.Format: unknown placeholder "{nope}"`},
		{":80\nlog /api {combined}", `Caddyfile:2:10: log: file name "{combined}" looks like a log format; the order is "log path file [format]", e.g. "log / access.log {combined}"`},
		{":80\nlog {common}", `Caddyfile:2:5: log: file name "{common}" looks like a log format`},
		{":80\nlog / \"{remote} {status}\"", `Caddyfile:2:7: log: file name "{remote} {status}" looks like a log format`},
		{":80\nlog a b c d", `Caddyfile:2:11: log: expected "log [[path] file [format]]", got 4 argument(s)`},
		{":80\nbrowse / " + tpl, `Caddyfile:2:10: browse: template: `},
		{":80\nbrowse / /no/such/template.html", `Caddyfile:2:10: browse: template: open /no/such/template.html`},
		{":80\nproxy /api", `Caddyfile:2:1: proxy: expected at least one upstream after the path "/api"`},
		{":80\nproxy / a:1 {\n policy fastest\n}", `Caddyfile:3:2: proxy: policy: unknown policy "fastest"; expected one of: random, least_conn, round_robin`},
		{":80\nproxy / a:1 {\n max_fails none\n}", `Caddyfile:3:2: proxy: max_fails: expected a number, 1 or more, got "none"`},
		{":80\nproxy / a:1 {\n fail_timeout soon\n}", `Caddyfile:3:2: proxy: fail_timeout: expected a duration such as 10s or 1m, got "soon"`},
		{":80\nproxy / a:1 {\n health_check health\n}", `Caddyfile:3:2: proxy: health_check: expected a path starting with /, got "health"`},
		{":80\nproxy / a:1 {\n header_upstream X-Only\n}", `Caddyfile:3:2: proxy: option header_upstream: expected "header_upstream Name value", got 1 argument(s)`},
		{":80\nproxy / a:1 {\n retries 3\n}", `Caddyfile:3:2: proxy: unknown option "retries"; expected one of: policy, fail_timeout`},
		{":80\nproxy / http://a:1/path", `Caddyfile:2:9: proxy: upstream "http://a:1/path"`},
		{":80\nproxy / a:1 {\n health_check_interval 5s\n}", `Caddyfile:2:1: proxy: health_check_interval without health_check path`},
		{":80\nfastcgi / 127.0.0.1:9000 perl", `Caddyfile:2:26: fastcgi: unknown preset "perl"; expected php`},
		{":80\nproxy / unix:", `Caddyfile:2:9: proxy: upstream "unix:": `},
		{":80\nproxy / localhost", `Caddyfile:2:9: proxy: upstream "localhost": `},
		{":80\nproxy / localhost:99999", `Caddyfile:2:9: proxy: upstream "localhost:99999": `},
		{":80\nfastcgi / unix: php", `Caddyfile:2:11: fastcgi: endpoint "unix:": fcgi: Config.Endpoints[0]: unix: needs a socket path`},
		{":80\nfastcgi / localhost php", `Caddyfile:2:11: fastcgi: endpoint "localhost": `},
		{":80\nfastcgi / localhost:0", `Caddyfile:2:11: fastcgi: endpoint "localhost:0": `},
		{":80\nfastcgi / localhost:php", `Caddyfile:2:11: fastcgi: endpoint "localhost:php": `},
		{":80\nfastcgi / a:1 {\n  split\tphp\n}", `Caddyfile:2:1: fastcgi: fcgi: Config.Split: `},
		{":80\nfastcgi /", `Caddyfile:2:1: fastcgi: expected "fastcgi path endpoint [php]", got 1 argument(s)`},
		{":80\nfastcgi / a:1 {\n  ext php\n}", `Caddyfile:3:3: fastcgi: ext: expected an extension starting with '.', got "php"`},
		{":80\nfastcgi / a:1 {\n  env ONLY\n}", `Caddyfile:3:3: fastcgi: option env: expected "env NAME value", got 1 argument(s)`},
		{":80\nfastcgi / a:1 {\n  root relative\n}", `Caddyfile:3:3: fastcgi: root: expected an absolute path, got "relative"`},
		{":80\nfastcgi / a:1 {\n  upstream b:1\n}", `Caddyfile:3:3: fastcgi: unknown option "upstream"; expected one of: ext, split, index, env, except, root`},
		{":80\ngit", `Caddyfile:2:1: git: expected a repository URL`},
		{":80\ngit {\n branch main\n}", `Caddyfile:2:1: git: expected a repository URL`},
		{":80\ngit r {\n interval 1\n}", `Caddyfile:3:2: git: interval: expected at least 5s, got "1"`},
		{":80\ngit r {\n hook deploy\n}", `Caddyfile:3:2: git: hook: expected a path starting with /, got "deploy"`},
		{":80\ngit r {\n then a\n then b\n}", `Caddyfile:4:2: git: then: one command per repository`},
		{":80\ngit r\ngit s", `Caddyfile:3:1: git: a repository is already deployed to this path (at Caddyfile:2:1)`},
		{":80\ngit r {\n tag v1\n}", `Caddyfile:3:2: git: unknown option "tag"`},
		{"https://example.com {\n gzip\n}", `Caddyfile:1:1: site address https://example.com:443: https needs TLS`},
		{"a.com:80 {\n}\nb.com:80, a.com:80 {\n}", `Caddyfile:3:1: site address a.com:80 is defined twice (first at Caddyfile:1:1)`},
		{":80\nbrowse {\n x\n}", `Caddyfile:3:2: browse: takes no option block`},
		{":80\nheader api X-A b", `Caddyfile:2:8: header: expected a path starting with /, got "api"`},
		{":80\nheader /", `Caddyfile:2:1: header: expected a header, on the line (header / Name value) or in a block`},
		{":80\nheader / X-A", `Caddyfile:2:10: header: X-A: expected one value (quote a value with spaces), got 0`},
		{":80\nheader / -Server x", `Caddyfile:2:10: header: -Server removes a header and takes no value, got "x"`},
		{":80\nheader / {\n X-A b\n Bad:Name c\n}", `Caddyfile:4:2: header: Config.Rules[0].Fields[0].Name: "Bad:Name" is not a valid header name`},
		{":80\nheader / X-A b {\n X-B c\n}", `Caddyfile:3:2: header: a header on the line and a block: use one or the other`},
		{":80\nredir", `Caddyfile:2:1: redir: expected "redir [from] to [code]", got 0 argument(s)`},
		{":80\nredir /new 304", `Caddyfile:2:1: redir: Config.Rules[0].Code: 304 is not a redirect status`},
		{":80\nredir /new meta", `Caddyfile:2:12: redir: meta (an HTML refresh page) is not supported by httpmw; use a status code`},
		{":80\nredir new /x", `Caddyfile:2:1: redir: from must be a path starting with /, got "new"`},
		{":80\nredir /a /b\nredir /a /c", `Caddyfile:3:1: redir: Config.Rules[1].From: "/a": already redirected by an earlier rule`},
		{":80\nredir /a /a", `Caddyfile:2:1: redir: Config.Rules[0].To: "/a": same as From, a redirect loop`},
		{":80\nredir /a /{file}", `Caddyfile:2:1: redir: Config.Rules[0].To: unknown placeholder "{file}"`},
		{":80\nredir 307 {\n /a /b 999\n}", `Caddyfile:3:2: redir: expected a redirect code (301, 302, 303, 307, 308, 300), got "999"`},
		{":80\nredir {\n /a /b 301 x\n}", `Caddyfile:3:2: redir: expected "from to [code]", got 4 words`},
		{":80\next", `Caddyfile:2:1: ext: expected "ext .extension...", got 0 argument(s)`},
		{":80\next html", `Caddyfile:2:5: ext: expected an extension such as .html, got "html"`},
		{":80\nbasicauth /admin alice", `Caddyfile:2:1: basicauth: expected a path: basicauth path user password, or a block of paths`},
		{":80\nbasicauth alice pw", `Caddyfile:2:1: basicauth: expected a path: basicauth path user password, or a block of paths`},
		{":80\nbasicauth admin alice pw", `Caddyfile:2:1: basicauth: Config.Rules[0].Paths: "admin": must start with /`},
		{":80\nbasicauth /a alice htpasswd=/etc/htpasswd", `Caddyfile:2:20: basicauth: htpasswd files are not supported by httpmw`},
		{":80\nbasicauth /a alice $2y$10$broken", `Caddyfile:2:1: basicauth: Config.Rules[0].Password: looks like a bcrypt hash but is not a valid one`},
		{":80\nbasicauth alice pw {\n /a /b\n}", `Caddyfile:3:2: basicauth: one path per line, got "/b" after /a`},
		{":80\nbasicauth alice pw {\n /a\n realm A\n}\nbasicauth bob pw {\n /b\n realm B\n}", `Caddyfile:8:2: basicauth: realm "B", but this site's realm is "A" already`},
	}
	for _, c := range cases {
		err := Validate("Caddyfile", []byte(c.src), env(nil))
		var pe *ParseError
		if err == nil || !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q:\n got  %v\n want %s...", c.src, err, c.want)
		}
	}
}

// FuzzValidate feeds the directive setups: no input may panic, and every
// error carries a position.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{
		":80\ngzip {\n ext .html\n level 3\n}",
		":80\nlog / stdout \"{remote} {status}\"",
		":80\nproxy /api a:1 b:2 {\n policy header X\n health_check /h 5s\n header_downstream -Server\n}",
		":80\nfastcgi / 127.0.0.1:9000 php {\n env A b\n root /x\n}",
		":80\ngit r p {\n interval 60\n hook /h s\n then a b\n}",
		"a.com:80, :81 {\n root /x\n browse /d\n}",
		":80\nheader /docs {\n Cache-Control max-age=60\n +Link </a.css>\n -Server\n}",
		":80\nredir 307 {\n /a /b\n /c https://{host}{uri} 308\n}\nredir /old /new",
		":80\next .html .htm\nbasicauth /admin alice pw\nbasicauth bob pw {\n /b\n realm R\n}",
		":80\nroot {$UNSET}/x\nlog /a {combined}\nfastcgi / unix: php\ntls off",
		"{$H}:80 {\n proxy / a:1 {\n  header_upstream X {$V}\n }\n}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		err := Validate("fuzz", []byte(src), env(nil))
		if err == nil {
			return
		}
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Pos.Line < 1 || pe.Pos.Col < 1 {
			t.Fatalf("error without a position: %v", err)
		}
	})
}

// TestCaddy07Directives walks every directive of Caddy 0.7's
// config/directives.go (v0.7.0 to v0.7.6): each either runs here or is
// refused by name as a Caddy 0.7 directive httpmw does not build.
func TestCaddy07Directives(t *testing.T) {
	all := []string{"root", "tls", "bind", "startup", "shutdown", "git", "log", "gzip", "errors",
		"header", "rewrite", "redir", "ext", "basicauth", "internal", "proxy", "fastcgi",
		"websocket", "markdown", "templates", "browse"}
	var runs []string
	for _, name := range all {
		err := Validate("Caddyfile", []byte(":80 {\n\tgzip\n\t"+name+" x\n}\n"), env(nil))
		want := fmt.Sprintf("Caddyfile:3:2: %s (line 3): a Caddy 0.7 directive not supported by httpmw; the directives that run are: ", name)
		if _, ok := lookupDirective(name); ok {
			runs = append(runs, name)
			if err != nil && strings.Contains(err.Error(), "not supported") {
				t.Errorf("%s runs, but: %v", name, err)
			}
		} else if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s:\n got  %v\n want %s...", name, err, want)
		}
	}
	if got := strings.Join(runs, " "); got != "root git log gzip errors header rewrite redir ext basicauth internal proxy fastcgi browse" {
		t.Fatalf("directives that run: %s", got)
	}
}
