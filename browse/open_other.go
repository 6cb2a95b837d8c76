//go:build !unix

package browse

// openNonblock is unnecessary where named pipes do not block open.
const openNonblock = 0
