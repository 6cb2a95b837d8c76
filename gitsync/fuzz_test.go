package gitsync

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
)

// FuzzParseHook feeds arbitrary headers and bodies to the webhook parser:
// it must not panic, and with a secret set it must never accept a request
// whose signature or token does not verify.
func FuzzParseHook(f *testing.F) {
	push := `{"ref":"refs/heads/main"}`
	f.Add("X-GitHub-Event", "push", "X-Hub-Signature-256", "sha256="+hexHMAC("k", push), "application/json", push, "k")
	f.Add("X-GitHub-Event", "ping", "X-Hub-Signature-256", "sha256=00", "application/json", `{}`, "k")
	f.Add("X-GitHub-Event", "push", "X-Hub-Signature-256", "sha256="+hexHMAC("k", "payload=%7B%22ref%22%3A%22refs%2Fheads%2Fmain%22%7D"), "application/x-www-form-urlencoded", "payload=%7B%22ref%22%3A%22refs%2Fheads%2Fmain%22%7D", "k")
	f.Add("X-Gitlab-Event", "Push Hook", "X-Gitlab-Token", "k", "application/json", push, "k")
	f.Add("X-Gitea-Event", "push", "X-Gitea-Signature", hexHMAC("k", push), "", push, "k")
	f.Add("X-Gogs-Event", "push", "X-Gogs-Signature", "zz", "", push, "k")
	f.Add("", "", "Authorization", "Bearer k", "", "", "k")
	f.Add("", "", "Authorization", "Bearer", "", `{"ref":1}`, "")
	f.Add("X-GitHub-Event", "push", "", "", "application/x-www-form-urlencoded", "payload=%zz", "")
	f.Add("", "", "Authorization", "Bearer k", "application/x-www-form-urlencoded", push, "k")
	f.Fuzz(func(t *testing.T, eventKey, event, sigKey, sig, contentType, body, secret string) {
		h := http.Header{}
		if eventKey != "" {
			h.Set(eventKey, event)
		}
		if sigKey != "" {
			h.Set(sigKey, sig)
		}
		h.Set("Content-Type", contentType)
		hk, err := parseHook(h, []byte(body), secret)
		if err != nil {
			return
		}
		if hk.ref != "" && !strings.HasPrefix(hk.ref, "refs/") {
			t.Fatalf("accepted ref %q", hk.ref)
		}
		if secret != "" && verify(detectProvider(h), h, []byte(body), secret) != nil {
			t.Fatalf("accepted a request that does not verify: %v", h)
		}
	})
}

// FuzzCompareHMAC checks the signature check round-trips and rejects any
// other body.
func FuzzCompareHMAC(f *testing.F) {
	f.Add("secret", []byte(`{"ref":"refs/heads/main"}`), []byte(`{"ref":"refs/heads/evil"}`))
	f.Add("", []byte{}, []byte{0})
	f.Fuzz(func(t *testing.T, secret string, body, other []byte) {
		sig := hexHMAC(secret, string(body))
		if err := compareHMAC256Header("sha256="+sig, body, secret); err != nil {
			t.Fatalf("own signature refused: %v", err)
		}
		if string(other) != string(body) && compareHMAC(sig, other, secret) == nil {
			t.Fatal("signature of one body accepted for another")
		}
		if compareHMAC(strings.ToUpper(sig), body, secret) != nil {
			t.Fatal("upper-case hex refused") // hex.DecodeString takes both
		}
	})
}

// FuzzCompareTags checks the tag order is a total order: antisymmetric and
// consistent with equality.
func FuzzCompareTags(f *testing.F) {
	for _, s := range [][2]string{{"v1.2.0", "v1.10.0"}, {"1.0.0-rc.1", "1.0.0"}, {"latest", "v0.0.1"}, {"v1..2", "v1.2"}, {"v1.0", "1.0.0"}, {"v18446744073709551616", "v1"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ab, ba := compareTags(a, b), compareTags(b, a)
		if ab != -ba {
			t.Fatalf("compare(%q,%q)=%d but compare(%q,%q)=%d", a, b, ab, b, a, ba)
		}
		if (ab == 0) != (a == b) {
			t.Fatalf("compare(%q,%q)=0 for different tags", a, b)
		}
	})
}

// FuzzSafeTreePath: whatever a tree names, an accepted path stays inside
// the checkout folder.
func FuzzSafeTreePath(f *testing.F) {
	for _, s := range []string{"a/b.txt", "../x", "a/../../x", ".git/config", "a/.GIT/x", "/etc/passwd", "a//b", `a\..\b`, "."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if !safeTreePath(name) {
			return
		}
		for _, part := range strings.Split(name, "/") {
			if part == ".." || part == "" || strings.EqualFold(part, ".git") {
				t.Fatalf("accepted %q", name)
			}
		}
	})
}

func hexHMAC(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}
