package caddyfile

import (
	"path/filepath"
	"strings"

	"github.com/httpmw/httpmw/fcgi"
)

// setupFastCGI reads Caddy's fastcgi directive:
//
//	fastcgi path endpoint [php] {
//		ext   .php
//		split .php
//		index index.php
//		env   NAME value
//		except paths...
//		root  /upstream/root   # the site root as the FastCGI server sees it
//	}
//
// Requests under path go to endpoint ("host:port" or a unix socket,
// "unix:/path" or "/path"). The php preset is ext .php, split .php and
// index index.php; options given as well override it. The scripts must
// exist under the site's root.
func setupFastCGI(s *siteConfig, d Directive) error {
	if err := checkArgs(d, 2, 3, "fastcgi path endpoint [php]"); err != nil {
		return err
	}
	f := fastcgiDirective{path: d.Args[0], pos: d.Pos}
	f.cfg.Endpoints = []string{d.Args[1]}
	if err := probeFastCGI(fcgi.Config{Endpoints: f.cfg.Endpoints}); err != nil {
		return errorf(argPos(d, 1), "fastcgi: endpoint %q: %v; expected host:port, unix:/path or /path", d.Args[1], err)
	}
	if len(d.Args) == 3 {
		if d.Args[2] != "php" {
			return errorf(argPos(d, 2), "fastcgi: unknown preset %q; expected php", d.Args[2])
		}
		f.cfg.Ext, f.cfg.Split, f.cfg.Index = ".php", ".php", []string{"index.php"}
	}
	for _, o := range d.Options {
		var err error
		switch o.Name {
		case "ext":
			if err = checkOptionArgs("fastcgi", o, 1, 1, "ext .extension"); err == nil {
				f.cfg.Ext = o.Args[0]
				if !strings.HasPrefix(f.cfg.Ext, ".") {
					err = errorf(o.Pos, "fastcgi: ext: expected an extension starting with '.', got %q", o.Args[0])
				}
			}
		case "split":
			if err = checkOptionArgs("fastcgi", o, 1, 1, "split .extension"); err == nil {
				f.cfg.Split = o.Args[0]
			}
		case "index":
			if err = checkOptionArgs("fastcgi", o, 1, -1, "index files..."); err == nil {
				f.cfg.Index = append([]string(nil), o.Args...)
			}
		case "env":
			if err = checkOptionArgs("fastcgi", o, 2, 2, "env NAME value"); err == nil {
				if f.cfg.Env == nil {
					f.cfg.Env = map[string]string{}
				}
				f.cfg.Env[o.Args[0]] = o.Args[1]
			}
		case "except":
			if err = checkOptionArgs("fastcgi", o, 1, -1, "except paths..."); err == nil {
				f.cfg.Except = append(f.cfg.Except, o.Args...)
			}
		case "root":
			if err = checkOptionArgs("fastcgi", o, 1, 1, "root path"); err == nil {
				f.cfg.UpstreamRoot = o.Args[0]
				if !filepath.IsAbs(o.Args[0]) {
					err = errorf(o.Pos, "fastcgi: root: expected an absolute path, got %q", o.Args[0])
				}
			}
		default:
			err = unknownOption("fastcgi", o, "ext", "split", "index", "env", "except", "root")
		}
		if err != nil {
			return err
		}
	}
	if err := probeFastCGI(f.cfg); err != nil {
		return errorf(d.Pos, "fastcgi: %v", err)
	}
	s.fcgis = append(s.fcgis, f)
	return nil
}

// probeFastCGI checks the endpoint and options as Load will, now: fcgi.New
// neither dials nor starts anything. The root is a stand-in, since the
// site's root is only known (and may only exist) at Load.
func probeFastCGI(cfg fcgi.Config) error {
	cfg.Root = "/"
	h, err := fcgi.New(cfg)
	if err != nil {
		return err
	}
	return h.Close()
}
