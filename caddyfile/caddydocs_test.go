package caddyfile

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCaddyDocsExamples checks that the examples of Caddy 0.7's directive
// documentation, for the directives httpmw has, are accepted as written.
func TestCaddyDocsExamples(t *testing.T) {
	tpl := filepath.Join(t.TempDir(), "listing.html")
	os.WriteFile(tpl, []byte(`<h1>{{.Path}}</h1>{{range .Items}}<a href="{{.URL}}">{{.Name}}</a> {{.HumanSize}}{{end}}`), 0o644)
	examples := map[string]string{
		"getting started": "localhost:2020\ngzip\nbrowse\n",
		"virtual hosts": `mysite.com {
	root /www/mysite.com
}

sub.mysite.com {
	root /www/sub.mysite.com
	gzip
	log ../access.log
}`,
		"several addresses": "localhost:2020, http://mysite.com {\n\tgzip\n}\n",
		"root":              ":2015\nroot /home/site/public_html\n",
		"gzip":              ":2015\ngzip\n",
		"gzip block": `:2015
gzip {
	ext .html .htm .php
	not /images /videos
	level 9
}`,
		"log":             ":2015\nlog\n",
		"log file":        ":2015\nlog /var/log/access.log\n",
		"log path":        ":2015\nlog /api requests.log \"{proto} Request: {method} {path}\"\n",
		"log stdout":      ":2015\nlog / stdout \"{combined}\"\n",
		"browse":          ":2015\nbrowse\n",
		"browse path":     ":2015\nbrowse /images\n",
		"browse template": ":2015\nbrowse / " + tpl + "\n",
		"proxy":           ":2015\nproxy / localhost:8080\n",
		"proxy several":   ":2015\nproxy / web1.local:80 web2.local:90 web3.local:100\n",
		"proxy round robin": `:2015
proxy / web1.local:80 web2.local:90 web3.local:100 {
	policy round_robin
}`,
		"proxy health": `:2015
proxy / web1.local:80 web2.local:90 web3.local:100 {
	policy least_conn
	health_check /health
	fail_timeout 5s
	max_fails 2
}`,
		"proxy header": `:2015
proxy /api 10.0.0.1:1234 10.0.0.2:1234 {
	proxy_header X-Custom-Header "{host}"
}`,
		"proxy without": `:2015
proxy /api localhost:7005 {
	without /api
	except /api/static
	header_upstream Host {host}
	header_downstream X-Served-By httpmw
}`,
		"header": ":2015\nheader / X-Custom-Header \"My value\"\n",
		"header block": `:2015
header /api {
	Access-Control-Allow-Origin  *
	Access-Control-Allow-Methods "GET, POST, OPTIONS"
	-Server
}`,
		"redir all":     ":2015\nredir https://mysite.com{uri}\n",
		"redir code":    ":2015\nredir https://mysite.com{uri} 307\n",
		"redir from to": ":2015\nredir /foo /bar 307\n",
		"redir block": `:2015
redir 307 {
	/foo /bar
	/bar /baz 301
}`,
		"ext":             ":2015\next .html .htm .php\n",
		"basicauth":       ":2015\nbasicauth /secret Bob hiccup\n",
		"basicauth block": ":2015\nbasicauth Bob hiccup {\n\t/notes-for-bob.txt\n\t/marketing\n}\n",
		"fastcgi php":     ":2015\nfastcgi / 127.0.0.1:9000 php\n",
		"fastcgi blog":    ":2015\nfastcgi /blog/ 127.0.0.1:9000 php\n",
		"fastcgi split":   ":2015\nfastcgi / 127.0.0.1:9001 {\n\tsplit .html\n}\n",
		"fastcgi explicit": `:2015
fastcgi / 127.0.0.1:9000 {
	ext   .php
	split .php
	index index.php
}`,
		"fastcgi socket": ":2015\nfastcgi / unix:/var/run/php5-fpm.sock php\n",
		"git":            ":2015\ngit github.com/user/site\n",
		"git subfolder":  ":2015\ngit github.com/user/site subfolder\n",
		"git ssh": `:2015
git {
	repo     git@github.com:user/site
	key      /home/user/.ssh/id_rsa
	path     subfolder
	then     hugo --destination=/home/user/hugo/public
}`,
		"git hook": `:2015
git {
	repo   https://github.com/user/site
	hook   /webhook secret-password
	branch develop
	interval 86400
}`,
	}
	for name, src := range examples {
		if err := Validate("Caddyfile", []byte(src), env(nil)); err != nil {
			t.Errorf("%s:\n%s\nerror: %v", name, src, err)
		}
	}
}
