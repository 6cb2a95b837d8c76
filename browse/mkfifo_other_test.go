//go:build !unix

package browse

import "errors"

func mkfifo(string) error { return errors.New("not supported") }
