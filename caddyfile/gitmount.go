package caddyfile

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/browse"
)

// mountGit serves the deployed revision at dir (Dest/current) with a file
// server of its own when dir lies under root, and hands the other requests
// to next; hide is ownFiles for dir. The root's file server cannot serve it: the link leads to
// Dest/.worktrees/<rev>, and browse hides a link into a dot folder as it
// hides the folder itself.
func mountGit(root, dir string, files browse.Config, hide []string, next httpmw.Handler, closers *[]io.Closer) (httpmw.Handler, error) {
	absRoot, err1 := filepath.Abs(root)
	absDir, err2 := filepath.Abs(dir)
	rel, err3 := filepath.Rel(absRoot, absDir)
	if err1 != nil || err2 != nil || err3 != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return next, nil // outside the root: not served, as before
	}
	prefix := "/" + filepath.ToSlash(rel)
	files.Root, files.Hide = dir, hide
	// browse's paths are the site's; in the revision they lose the prefix.
	if len(files.ListingPaths) > 0 {
		var paths []string
		all := false
		for _, p := range files.ListingPaths {
			if p == prefix || strings.HasPrefix(prefix, strings.TrimSuffix(p, "/")+"/") {
				all = true
			} else if rest, ok := strings.CutPrefix(p, prefix+"/"); ok {
				paths = append(paths, "/"+rest)
			}
		}
		switch {
		case all:
			files.ListingPaths = nil
		case len(paths) == 0:
			files.Listing, files.ListingPaths = false, nil
		default:
			files.ListingPaths = paths
		}
	}
	server, err := browse.New(files)
	if err != nil {
		return nil, err
	}
	*closers = append(*closers, server)
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		rest, ok := strings.CutPrefix(r.URL.Path, prefix)
		if !ok || (rest != "" && rest[0] != '/') {
			return next.ServeHTTP(w, r)
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path, r2.URL.RawPath = rest, ""
		return server.ServeHTTP(w, r2)
	}), nil
}
