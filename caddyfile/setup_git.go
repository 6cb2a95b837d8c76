package caddyfile

import (
	"strings"
	"time"
)

// MinGitInterval is the shortest pull interval, as in Caddy 0.7.
const MinGitInterval = 5 * time.Second

// setupGit reads Caddy 0.7's git directive:
//
//	git repo [path]
//	git [repo [path]] {
//		repo     URL
//		path     folder        # relative to the site root; default the root itself
//		branch   name          # default: the remote's default branch
//		key      /path/to/ssh/key
//		interval seconds       # default 3600, at least 5
//		then     command args...  # in each new revision, before it is served
//		hook     /path [secret]
//	}
//
// A repo without a scheme ("github.com/user/site") is fetched over https,
// or over ssh when key is set. The repository is deployed by package
// gitsync: when path is the site root, the site serves root/current, the
// link to the deployed revision; with a path, that revision is at
// root/path/current. The first clone happens when the file is loaded; a
// failure there fails the load.
func setupGit(s *siteConfig, d Directive) error {
	if err := checkArgs(d, 0, 2, "git repo [path]"); err != nil {
		return err
	}
	g := gitDirective{pos: d.Pos}
	g.cfg.Interval = time.Hour
	if len(d.Args) > 0 {
		g.cfg.URL = d.Args[0]
	}
	if len(d.Args) > 1 {
		g.path = d.Args[1]
	}
	for _, o := range d.Options {
		var err error
		switch o.Name {
		case "repo":
			if err = checkOptionArgs("git", o, 1, 1, "repo URL"); err == nil {
				g.cfg.URL = o.Args[0]
			}
		case "path":
			if err = checkOptionArgs("git", o, 1, 1, "path folder"); err == nil {
				g.path = o.Args[0]
			}
		case "branch":
			if err = checkOptionArgs("git", o, 1, 1, "branch name"); err == nil {
				g.cfg.Branch = o.Args[0]
			}
		case "key":
			if err = checkOptionArgs("git", o, 1, 1, "key file"); err == nil {
				g.cfg.Auth.SSHKeyFile = o.Args[0]
			}
		case "interval":
			if err = checkOptionArgs("git", o, 1, 1, "interval seconds"); err == nil {
				var iv time.Duration
				if iv, err = parseDuration("git", o, o.Args[0], false); err == nil && iv < MinGitInterval {
					err = errorf(o.Pos, "git: interval: expected at least %v, got %q", MinGitInterval, o.Args[0])
				}
				g.cfg.Interval = iv
			}
		case "then":
			if err = checkOptionArgs("git", o, 1, -1, "then command args..."); err == nil {
				if g.cfg.Then != nil {
					err = errorf(o.Pos, "git: then: one command per repository")
				}
				g.cfg.Then = append([]string(nil), o.Args...)
			}
		case "hook":
			if err = checkOptionArgs("git", o, 1, 2, "hook /path [secret]"); err == nil {
				g.hook = o.Args[0]
				if !strings.HasPrefix(g.hook, "/") {
					err = errorf(o.Pos, "git: hook: expected a path starting with /, got %q", o.Args[0])
				}
				if len(o.Args) == 2 {
					g.secret = o.Args[1]
				}
			}
		default:
			err = unknownOption("git", o, "repo", "path", "branch", "key", "interval", "then", "hook")
		}
		if err != nil {
			return err
		}
	}
	if g.cfg.URL == "" {
		return errorf(d.Pos, "git: expected a repository URL (git repo [path], or repo in the block)")
	}
	g.cfg.URL = repoURL(g.cfg.URL, g.cfg.Auth.SSHKeyFile != "")
	for _, other := range s.gits {
		if other.path == g.path {
			return errorf(d.Pos, "git: a repository is already deployed to this path (at %s); give each a different path", other.pos)
		}
	}
	s.gits = append(s.gits, g)
	return nil
}

// repoURL completes Caddy 0.7's short repository forms: "host/user/repo"
// gets https:// (or becomes git@host:user/repo with an ssh key). URLs with
// a scheme, scp-like user@host:path and local paths are kept.
func repoURL(u string, ssh bool) string {
	switch {
	case strings.Contains(u, "://"), strings.HasPrefix(u, "/"), strings.HasPrefix(u, "."):
		return u
	case strings.Contains(u, "@") && strings.Contains(u, ":"):
		return u
	}
	if ssh {
		host, path, _ := strings.Cut(u, "/")
		return "git@" + host + ":" + path
	}
	return "https://" + u
}
