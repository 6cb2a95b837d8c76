package inspect

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"mime"
	"net/url"
	"strings"
	"unicode/utf8"
)

// shownBody is a body shaped for the detail view.
type shownBody struct {
	// Kind is "empty", "json", "form", "text" or "hex".
	Kind   string  `json:"kind"`
	Text   string  `json:"text,omitempty"`   // json (indented), text, hex dump
	Fields []field `json:"fields,omitempty"` // form, in the order sent

	// Decoded names the Content-Encoding undone for display ("gzip");
	// DecodedPartly is set when the stream was cut or too large.
	Decoded       string `json:"decoded,omitempty"`
	DecodedPartly bool   `json:"decodedPartly,omitempty"`
}

type field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// showBody picks the clearest view of b: indented JSON, form fields, text,
// or a hex dump for anything binary. A truncated body that no longer
// parses falls back to text or hex.
func showBody(contentType string, b []byte) shownBody {
	if len(b) == 0 {
		return shownBody{Kind: "empty"}
	}
	media, _, _ := mime.ParseMediaType(contentType)
	isJSON := media == "application/json" || strings.HasSuffix(media, "+json")
	if isJSON || (media == "" || media == "text/plain") && looksLikeJSON(b) {
		var out bytes.Buffer
		if json.Indent(&out, b, "", "  ") == nil {
			return shownBody{Kind: "json", Text: out.String()}
		}
	}
	if media == "application/x-www-form-urlencoded" && isText(b) {
		return shownBody{Kind: "form", Fields: parseForm(string(b))}
	}
	if isText(b) {
		return shownBody{Kind: "text", Text: string(b)}
	}
	return shownBody{Kind: "hex", Text: hex.Dump(b)}
}

func looksLikeJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// isText reports whether b is UTF-8 without control characters other than
// tab, newline and carriage return.
func isText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if r < ' ' && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return false
		}
	}
	return true
}

// parseForm splits an application/x-www-form-urlencoded body into fields
// in the order sent (url.ParseQuery would lose it). A part that does not
// unescape is shown as sent.
func parseForm(s string) []field {
	var out []field
	for part := range strings.SplitSeq(s, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		out = append(out, field{Name: unescapeForm(name), Value: unescapeForm(value)})
	}
	return out
}

func unescapeForm(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}
