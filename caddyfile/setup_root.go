package caddyfile

// setupRoot reads "root path": the folder the site serves files from.
// Relative paths are relative to the working directory, as in Caddy.
func setupRoot(s *siteConfig, d Directive) error {
	if err := checkArgs(d, 1, 1, "root path"); err != nil {
		return err
	}
	if err := noOptions(d); err != nil {
		return err
	}
	s.root, s.rootPos = d.Args[0], d.Pos
	return nil
}
