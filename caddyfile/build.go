package caddyfile

import (
	"context"
	"io"
	"net/http"
	"path"
	"path/filepath"
	"strings"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/basicauth"
	"github.com/httpmw/httpmw/browse"
	"github.com/httpmw/httpmw/ext"
	"github.com/httpmw/httpmw/fcgi"
	"github.com/httpmw/httpmw/gitsync"
	"github.com/httpmw/httpmw/gzip"
	"github.com/httpmw/httpmw/header"
	"github.com/httpmw/httpmw/inner"
	"github.com/httpmw/httpmw/logger"
	"github.com/httpmw/httpmw/redir"
	"github.com/httpmw/httpmw/reverseproxy"
	"github.com/httpmw/httpmw/rewrite"
)

// build opens and starts what the site's directives asked for and chains
// them in Caddy's order: git webhooks, log, gzip, errors, header,
// rewrite, redir, ext, basicauth, internal, proxy, fastcgi, then the file
// server (with listings where browse asked for them). Whatever it started is appended to *closers,
// also when it fails half way, so the caller can undo a failed load.
func (s *siteConfig) build(ctx context.Context, closers *[]io.Closer) (httpmw.Handler, error) {
	root := s.root
	if root == "" {
		root = "."
	}
	var outer []httpmw.Middleware
	var gitDirs []string // links of gits deployed to a path under the root

	for i := range s.gits {
		g := &s.gits[i]
		cfg := g.cfg
		cfg.Dest = root
		if g.path != "" {
			cfg.Dest = g.path
			if !filepath.IsAbs(g.path) {
				cfg.Dest = filepath.Join(root, g.path)
			}
		}
		syncer, err := gitsync.New(cfg)
		if err != nil {
			return nil, errorf(g.pos, "git: %v", err)
		}
		*closers = append(*closers, syncer)
		if err := syncer.Start(ctx); err != nil {
			return nil, errorf(g.pos, "git: first sync: %v", err)
		}
		if g.path == "" {
			// The link to the deployed revision: browse follows each
			// switch, and fastcgi finds scripts in the revision served.
			// gitsync switches it only after Then, so nothing here waits
			// for a build.
			root = syncer.Dir()
		} else {
			gitDirs = append(gitDirs, syncer.Dir())
		}
		if g.hook != "" {
			hook, err := syncer.Webhook(gitsync.WebhookConfig{Secret: g.secret})
			if err != nil {
				return nil, errorf(g.pos, "git: hook: %v", err)
			}
			outer = append(outer, onPath(g.hook, hook))
		}
	}

	for _, l := range s.logs {
		access, err := logger.New(l.cfg)
		if err != nil {
			return nil, errorf(l.pos, "log: %v", err)
		}
		*closers = append(*closers, access)
		outer = append(outer, access.Middleware)
	}

	if s.gzip != nil {
		compress, err := gzip.New(*s.gzip)
		if err != nil {
			return nil, errorf(s.gzipPos, "%v", err)
		}
		outer = append(outer, compress.Middleware)
	}

	if s.errors != nil {
		pages, err := s.errors.build(root, closers)
		if err != nil {
			return nil, err
		}
		outer = append(outer, pages.Middleware)
	}

	if s.headers != nil {
		hdrs, err := header.New(*s.headers)
		if err != nil {
			return nil, errorf(s.headerPos, "%v", err)
		}
		outer = append(outer, hdrs.Middleware)
	}

	if len(s.rewrites) > 0 {
		rw, err := rewrite.New(rewrite.Config{Rules: rewriteRules(s.rewrites)})
		if err != nil {
			return nil, errorf(s.rewrites[0].pos, "%v", err)
		}
		outer = append(outer, rw.Middleware)
	}

	if len(s.redirects.Rules) > 0 {
		redirects, err := redir.New(s.redirects)
		if err != nil {
			return nil, errorf(s.redirPos, "%v", err)
		}
		outer = append(outer, redirects.Middleware)
	}

	if len(s.exts) > 0 {
		clean, err := ext.New(ext.Config{Root: root, Ext: s.exts})
		if err != nil {
			return nil, errorf(s.extPos, "%v", err)
		}
		*closers = append(*closers, clean)
		outer = append(outer, clean.Middleware)
	}

	if len(s.auth.Rules) > 0 {
		cfg := s.auth
		cfg.Rules = guardExtensions(cfg.Rules, s.exts)
		auth, err := basicauth.New(cfg)
		if err != nil {
			return nil, errorf(s.authPos, "%v", err)
		}
		outer = append(outer, auth.Middleware)
	}

	if len(s.internal) > 0 {
		in, err := inner.New(inner.Config{Paths: s.internal})
		if err != nil {
			return nil, errorf(s.innerPos, "internal: %v", err)
		}
		outer = append(outer, in.Middleware)
	}

	for _, p := range s.proxies {
		proxy, err := reverseproxy.New(p.cfg)
		if err != nil {
			return nil, errorf(p.pos, "proxy: %v", err)
		}
		*closers = append(*closers, proxy)
		outer = append(outer, proxy.Middleware)
	}

	for _, f := range s.fcgis {
		cfg := f.cfg
		cfg.Root = root
		h, err := fcgi.New(cfg)
		if err != nil {
			return nil, errorf(f.pos, "fastcgi: %v", err)
		}
		*closers = append(*closers, h)
		outer = append(outer, httpmw.Under(httpmw.Path{Base: f.path}, h.Middleware))
	}

	var logFiles []string
	for _, l := range s.logs {
		logFiles = append(logFiles, l.cfg.File)
	}
	if s.errors != nil && s.errors.logFile != "" {
		logFiles = append(logFiles, s.errors.logFile)
	}
	files := browse.Config{Root: root, Hide: ownFiles(root, s.confFile, logFiles)}
	for _, b := range s.browse {
		files.Listing = true
		if b.path != "/" && b.path != "" {
			files.ListingPaths = append(files.ListingPaths, b.path)
		}
		if b.tmpl != nil {
			files.Template = b.tmpl
		}
	}
	if hasRootBrowse(s.browse) {
		files.ListingPaths = nil // "browse" or "browse /" lists everywhere
	}
	server, err := browse.New(files)
	if err != nil {
		return nil, errorf(s.rootPos, "root: %v", err)
	}
	*closers = append(*closers, server)
	var h httpmw.Handler = server
	for _, dir := range gitDirs {
		if h, err = mountGit(root, dir, files, ownFiles(dir, s.confFile, logFiles), h, closers); err != nil {
			return nil, errorf(s.rootPos, "root: %v", err)
		}
	}
	return httpmw.Chain(outer...)(h), nil
}

func hasRootBrowse(bs []browseDirective) bool {
	for _, b := range bs {
		if b.path == "/" || b.path == "" {
			return true
		}
	}
	return false
}

// onPath serves h for requests to exactly path, and hands the rest on.
func onPath(path string, h httpmw.Handler) httpmw.Middleware {
	return func(next httpmw.Handler) httpmw.Handler {
		return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
			if r.URL.Path == path {
				return h.ServeHTTP(w, r)
			}
			return next.ServeHTTP(w, r)
		})
	}
}

// guardExtensions adds, to each basicauth path without an extension, the
// files ext serves for it: with "ext .html", "basicauth /admin ..." guards
// a direct request for /admin.html too, as Caddy 0.7's prefix match did.
func guardExtensions(rules []basicauth.Rule, exts []string) []basicauth.Rule {
	if len(exts) == 0 {
		return rules
	}
	out := make([]basicauth.Rule, len(rules))
	for i, r := range rules {
		r.Paths = append([]string(nil), r.Paths...)
		for _, p := range rules[i].Paths {
			if p == "/" || strings.HasSuffix(p, "/") || path.Ext(p) != "" {
				continue
			}
			for _, e := range exts {
				r.Paths = append(r.Paths, p+e)
			}
		}
		out[i] = r
	}
	return out
}
