package gzip

import "math/rand/v2"

// padding returns the filler for one compressed response: 1 to
// BreachPadding bytes, a fresh random length each time, or "" when
// padding is off. math/rand/v2's global source is seeded from the
// system's entropy and is not predictable from outside the process.
func (w *responseWriter) padding() string {
	p := w.c.padding
	if p == "" {
		return ""
	}
	return p[:1+rand.IntN(len(p))]
}
