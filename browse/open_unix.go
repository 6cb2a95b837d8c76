//go:build unix

package browse

import "syscall"

// openNonblock keeps open(2) from hanging on a named pipe that someone put
// in the served folder; reads of regular files are unaffected.
const openNonblock = syscall.O_NONBLOCK
