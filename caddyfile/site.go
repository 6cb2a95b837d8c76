package caddyfile

import (
	"html/template"

	"github.com/httpmw/httpmw/basicauth"
	"github.com/httpmw/httpmw/errorpage"
	"github.com/httpmw/httpmw/fcgi"
	"github.com/httpmw/httpmw/gitsync"
	"github.com/httpmw/httpmw/gzip"
	"github.com/httpmw/httpmw/header"
	"github.com/httpmw/httpmw/logger"
	"github.com/httpmw/httpmw/redir"
	"github.com/httpmw/httpmw/reverseproxy"
	"github.com/httpmw/httpmw/rewrite"
)

// siteConfig is what the directives of one site block asked for, checked
// but not yet built: no file is opened and nothing is started while it is
// filled, so a bad line later in the file leaves nothing behind.
type siteConfig struct {
	root      string // "" means the working directory, as in Caddy
	confFile  string // the Caddyfile's path as given to Load, hidden when served
	rootPos   Position
	gits      []gitDirective
	logs      []logDirective
	gzip      *gzip.Config
	gzipPos   Position
	errors    *errorsDirective
	rewrites  []rewriteDirective
	internal  []string // internal paths
	innerPos  Position
	headers   *header.Config
	headerPos Position
	redirects redir.Config
	redirPos  Position
	exts      []string
	extPos    Position
	auth      basicauth.Config
	authPos   Position
	authRealm string
	proxies   []proxyDirective
	fcgis     []fastcgiDirective
	browse    []browseDirective
}

type gitDirective struct {
	cfg    gitsync.Config
	path   string // Caddy's path, relative to the site root ("" = the root)
	hook   string // webhook path, "" for none
	secret string
	pos    Position
}

type logDirective struct {
	cfg logger.Config
	pos Position
}

type proxyDirective struct {
	cfg reverseproxy.Config
	pos Position
}

type fastcgiDirective struct {
	path string
	cfg  fcgi.Config
	pos  Position
}

type browseDirective struct {
	path     string
	tmpl     *template.Template
	tmplFile string
	pos      Position
}

type rewriteDirective struct {
	rule rewrite.Rule
	pos  Position
}

type errorsDirective struct {
	cfg     errorpage.Config // Root is filled in by build
	logFile string           // "" (stderr), stdout, stderr or a file path
	pos     Position
	logPos  Position
}
