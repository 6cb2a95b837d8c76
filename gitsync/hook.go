package gitsync

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// Provider names the sender of a webhook, told apart by its headers.
type Provider string

// The webhook senders understood.
const (
	GitHub  Provider = "github"  // X-GitHub-Event, X-Hub-Signature-256: sha256=HMAC
	GitLab  Provider = "gitlab"  // X-Gitlab-Event, X-Gitlab-Token: the secret itself
	Gitea   Provider = "gitea"   // X-Gitea-Event, X-Gitea-Signature: hex HMAC
	Gogs    Provider = "gogs"    // X-Gogs-Event, X-Gogs-Signature: hex HMAC
	Generic Provider = "generic" // anything else: Authorization: Bearer secret, or X-Hub-Signature-256
)

// Webhook request errors. The handler answers them with a bare status; the
// detail is for logs.
var (
	errNoSignature  = errors.New("gitsync: webhook: missing signature or token")
	errBadSignature = errors.New("gitsync: webhook: signature or token does not match")
	errBadPayload   = errors.New("gitsync: webhook: payload is not a push event")
	// errFormBody is a form-encoded body without GitHub's payload field:
	// most often JSON sent with curl -d, whose default Content-Type is
	// the form one. The cause is the header, so the answer names it.
	errFormBody = fmt.Errorf("%w: the Content-Type is application/x-www-form-urlencoded (curl -d's default) "+
		"but the body has no payload= field; send the JSON with Content-Type: application/json, "+
		"or form-encoded as payload=<JSON> (GitHub's form content type)", errBadPayload)
	errNotJSON = fmt.Errorf("%w: the body is not a JSON object", errBadPayload)
)

// hookAction is what a verified webhook asks for.
type hookAction int

const (
	hookPush   hookAction = iota // a push; ref says where
	hookPing                     // a provider checking the endpoint
	hookIgnore                   // an event that never deploys (issues, stars, ...)
)

// hook is a parsed and verified webhook request.
type hook struct {
	provider Provider
	action   hookAction
	ref      string // refs/heads/main; empty from a generic sender that names none
}

// detectProvider reads the event headers. Gitea sends Gogs' and GitHub's
// headers too, so the more specific ones are checked first.
func detectProvider(h http.Header) Provider {
	switch {
	case h.Get("X-Gitea-Event") != "":
		return Gitea
	case h.Get("X-Gogs-Event") != "":
		return Gogs
	case h.Get("X-Gitlab-Event") != "":
		return GitLab
	case h.Get("X-GitHub-Event") != "":
		return GitHub
	}
	return Generic
}

// parseHook verifies a webhook request against secret (no check when it is
// empty) and reads what it asks for. It checks the signature before it
// looks at the body.
func parseHook(h http.Header, body []byte, secret string) (hook, error) {
	p := detectProvider(h)
	if secret != "" {
		if err := verify(p, h, body, secret); err != nil {
			return hook{provider: p}, err
		}
	}
	var event string
	switch p {
	case GitHub:
		event = h.Get("X-GitHub-Event")
	case GitLab:
		event = h.Get("X-Gitlab-Event")
	case Gitea:
		event = h.Get("X-Gitea-Event")
	case Gogs:
		event = h.Get("X-Gogs-Event")
	}
	switch {
	case p == GitHub && event == "ping":
		return hook{provider: p, action: hookPing}, nil
	case p == GitLab && (event == "Push Hook" || event == "Tag Push Hook"),
		p != GitLab && p != Generic && event == "push":
	case p == Generic:
	default:
		return hook{provider: p, action: hookIgnore}, nil
	}
	ref, err := pushRef(h.Get("Content-Type"), body)
	if err != nil {
		return hook{provider: p}, err
	}
	if ref == "" && p != Generic {
		return hook{provider: p}, errBadPayload
	}
	return hook{provider: p, action: hookPush, ref: ref}, nil
}

// verify checks the signature or token p sends; every comparison takes the
// same time whatever the guess.
func verify(p Provider, h http.Header, body []byte, secret string) error {
	switch p {
	case GitLab:
		return compareToken(h.Get("X-Gitlab-Token"), secret)
	case Gitea:
		return compareHMAC(h.Get("X-Gitea-Signature"), body, secret)
	case Gogs:
		return compareHMAC(h.Get("X-Gogs-Signature"), body, secret)
	case GitHub:
		return compareHMAC256Header(h.Get("X-Hub-Signature-256"), body, secret)
	}
	if sig := h.Get("X-Hub-Signature-256"); sig != "" {
		return compareHMAC256Header(sig, body, secret)
	}
	auth := h.Get("Authorization")
	if auth == "" {
		return errNoSignature
	}
	scheme, token, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return errBadSignature
	}
	return compareToken(strings.TrimSpace(token), secret)
}

// compareHMAC256Header checks GitHub's "sha256=<hex>" form.
func compareHMAC256Header(sig string, body []byte, secret string) error {
	if sig == "" {
		return errNoSignature
	}
	hexSig, ok := strings.CutPrefix(sig, "sha256=")
	if !ok {
		return errBadSignature
	}
	return compareHMAC(hexSig, body, secret)
}

// compareHMAC checks a hex HMAC-SHA256 of body.
func compareHMAC(hexSig string, body []byte, secret string) error {
	if hexSig == "" {
		return errNoSignature
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return errBadSignature
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return errBadSignature
	}
	return nil
}

// compareToken compares digests, so neither the content nor the length of
// the secret leaks through timing.
func compareToken(got, secret string) error {
	if got == "" {
		return errNoSignature
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
		return errBadSignature
	}
	return nil
}

// pushRef reads the "ref" of a push payload: JSON, or GitHub's form
// encoding (payload=<json>). An empty body has no ref.
func pushRef(contentType string, body []byte) (string, error) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return "", nil
	}
	if mt, _, _ := mime.ParseMediaType(contentType); mt == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(body))
		if err != nil || !form.Has("payload") {
			return "", errFormBody
		}
		body = []byte(form.Get("payload"))
	}
	var payload struct {
		Ref string `json:"ref"`
	}
	if err := json.Unmarshal(body, &payload); err != nil {
		return "", errNotJSON
	}
	if payload.Ref != "" && !strings.HasPrefix(payload.Ref, "refs/") {
		// Gitea's "create" payloads and some generic senders use a short
		// name; a push always names the full ref.
		return "", errBadPayload
	}
	return payload.Ref, nil
}
