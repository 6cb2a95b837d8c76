package caddyfile

import (
	"html/template"
	"os"

	"github.com/httpmw/httpmw/browse"
)

// setupBrowse reads Caddy 0.7's browse directive:
//
//	browse [path [template]]
//
// Folders under path (default "/") without an index page get a listing.
// template is an html/template file executed with a *browse.Listing, which
// has the fields and methods of Caddy 0.7's listing (Name, Path, CanGoUp,
// Items with Name, URL, Size, HumanSize, ModTime, HumanModTime, IsDir,
// Mode; Sort, Order; Header, Cookie, Include, ...). It is executed once on
// a sample listing here, so a template that cannot run fails validation.
// A site has at most one template.
func setupBrowse(s *siteConfig, d Directive) error {
	if err := checkArgs(d, 0, 2, "browse [path [template]]"); err != nil {
		return err
	}
	if err := noOptions(d); err != nil {
		return err
	}
	b := browseDirective{path: "/", pos: d.Pos}
	if len(d.Args) > 0 {
		b.path = d.Args[0]
	}
	if len(d.Args) == 2 {
		b.tmplFile = d.Args[1]
		for _, other := range s.browse {
			if other.tmplFile != "" && other.tmplFile != b.tmplFile {
				return errorf(d.Pos, "browse: one listing template per site, %s already set one at %s", other.tmplFile, other.pos)
			}
		}
		src, err := os.ReadFile(b.tmplFile)
		if err != nil {
			return errorf(argPos(d, 1), "browse: template: %v", err)
		}
		t, err := template.New(b.tmplFile).Parse(string(src))
		if err == nil {
			err = browse.CheckTemplate(t)
		}
		if err != nil {
			return errorf(argPos(d, 1), "browse: template: %v", err)
		}
		b.tmpl = t
	}
	s.browse = append(s.browse, b)
	return nil
}
