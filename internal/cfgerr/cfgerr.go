// Package cfgerr makes the one error every package's constructor returns
// for a bad configuration field, an *httpmw.ConfigError:
//
//	browse: Config.Hide[2]: "[": syntax error in pattern
//
// The package name, the field's path from the struct the caller passed in
// (Config.X, Config.Auth.Y, WebhookConfig.Z), and the reason. %w in the
// reason wraps, so errors.Is still finds sentinel errors such as
// logger.ErrUnknownPlaceholder.
package cfgerr

import (
	"fmt"

	"github.com/httpmw/httpmw"
)

// New returns an *httpmw.ConfigError for field of package pkg, the reason
// formatted as fmt.Errorf formats it (with %w wrapping).
func New(pkg, field, format string, args ...any) error {
	return &httpmw.ConfigError{Package: pkg, Field: field, Err: fmt.Errorf(format, args...)}
}
