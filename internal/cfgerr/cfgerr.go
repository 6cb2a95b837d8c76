// Package cfgerr writes the one error form every package's constructor
// returns for a bad configuration field:
//
//	browse: Config.Hide[2]: "[": syntax error in pattern
//
// The package name, the field's path from the struct the caller passed in
// (Config.X, Config.Auth.Y, WebhookConfig.Z), and the reason. %w in the
// reason wraps, so errors.Is still finds sentinel errors such as
// logger.ErrUnknownPlaceholder.
package cfgerr

import "fmt"

// New returns "pkg: field: reason", the reason formatted as fmt.Errorf
// formats it (with %w wrapping).
func New(pkg, field, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %w", pkg, field, fmt.Errorf(format, args...))
}
