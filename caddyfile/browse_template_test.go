package caddyfile

import (
	"strings"
	"testing"
)

// TestValidateBrowseTemplate validates a Caddyfile whose browse template
// uses a field no listing has: Validate fails and names the template,
// where it used to pass and serve cut pages. A Caddy 0.7 template passes.
func TestValidateBrowseTemplate(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"bad.html":  `{{range .Items}}{{.Owner}}{{end}}`,
		"good.html": `<title>{{.Name}}</title>{{if .CanGoUp}}..{{end}}{{range .Items}}{{.Name}} {{.HumanModTime "2006"}}{{end}}{{.Sort}}{{.Order}}`,
	})
	err := Validate("Caddyfile", []byte(":80\nbrowse / "+dir+"/bad.html\n"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "browse: template:") || !strings.Contains(err.Error(), "Owner") {
		t.Errorf("bad template: %v", err)
	}
	if err := Validate("Caddyfile", []byte(":80\nbrowse / "+dir+"/good.html\n"), env(nil)); err != nil {
		t.Errorf("Caddy 0.7 template: %v", err)
	}
}
