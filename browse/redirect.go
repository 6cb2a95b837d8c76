package browse

import (
	"net/http"
	"net/url"
	"strings"
)

// folderRedirect is the relative Location that adds the missing slash to a
// request for a folder: the last segment of the path, escaped, then "/".
// A request whose path is empty (the folder a prefix was stripped down to,
// as http.StripPrefix("/files", ...) leaves "/files") takes that segment
// from the path the client sent, so the redirect resolves against the URL
// the client sees; a segment "." (as in "/a/.") becomes "./".
func folderRedirect(r *http.Request) string {
	seg := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	if r.URL.Path == "" {
		seg = clientLastSegment(r)
	}
	if seg == "." || seg == "" {
		return "./"
	}
	return escapeSegment(seg) + "/"
}

// clientLastSegment is the last segment of the path in the request line,
// decoded, or "" when there is none to use.
func clientLastSegment(r *http.Request) string {
	u, err := url.ParseRequestURI(r.RequestURI)
	if err != nil {
		return ""
	}
	p := u.Path
	return p[strings.LastIndexByte(p, '/')+1:]
}

// emptyPathHasSlash reports whether a request whose path was stripped to
// "" was sent with a trailing slash (or none could be found): then the
// folder is served where it is, as http.FileServer does.
func emptyPathHasSlash(r *http.Request) bool {
	return clientLastSegment(r) == ""
}
