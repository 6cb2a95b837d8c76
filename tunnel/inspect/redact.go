package inspect

import "net/http"

// Redacted replaces the value of a redacted header in what is shown.
const Redacted = "[redacted]"

// redactHeader returns a copy of h with redacted values replaced, and the
// real values apart (nil when nothing was redacted).
func redactHeader(h http.Header, names map[string]bool) (shown, secrets http.Header) {
	shown = h.Clone()
	if shown == nil {
		shown = http.Header{}
	}
	for k, vs := range shown {
		if !names[k] {
			continue
		}
		if secrets == nil {
			secrets = http.Header{}
		}
		secrets[k] = vs
		masked := make([]string, len(vs))
		for i := range masked {
			masked[i] = Redacted
		}
		shown[k] = masked
	}
	return shown, secrets
}
