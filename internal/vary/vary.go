// Package vary adds names to a response's Vary header without repeating
// one, so that middleware and handlers that each add what their answer
// depends on (gzip, browse) do not send "Vary: Accept-Encoding" twice.
package vary

import (
	"net/http"
	"strings"
)

// Add makes the Vary lines of h list name: it appends name as a line of
// its own unless a line lists it already (names are compared without
// regard to case, each line split at commas) or lists "*", which covers
// every name.
func Add(h http.Header, name string) {
	lines := h["Vary"]
	if Lists(lines, name) {
		return
	}
	h["Vary"] = append(lines, name)
}

// Lists reports whether the Vary field lines list name, or "*".
func Lists(lines []string, name string) bool {
	for _, l := range lines {
		for l != "" {
			var item string
			item, l, _ = strings.Cut(l, ",")
			item = strings.Trim(item, " \t")
			if item == "*" || strings.EqualFold(item, name) {
				return true
			}
		}
	}
	return false
}
