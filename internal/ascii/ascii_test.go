package ascii

import (
	"strings"
	"testing"
	"unicode"
)

// lowerRef lower-cases the ASCII letters of s by way of package unicode,
// leaving every other byte (UTF-8 included) alone: an independent
// statement of what ToLower must do.
func lowerRef(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < 0x80 && unicode.IsUpper(rune(c)) {
			b[i] = byte(unicode.ToLower(rune(c)))
		}
	}
	return string(b)
}

func TestCases(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		eq   bool
	}{
		{"Content-Type", "content-type", true},
		{".PHP", ".php", true},
		{"", "", true},
		{"a", "", false},
		{"ſ", "s", false},      // Unicode folding would say equal
		{"\u212a", "k", false}, // the Kelvin sign
		{"İ", "i̇", false},     // lengths differ once lowered by Unicode
		{"[", "{", false},      // 0x5b and 0x7b differ by 0x20 but are not letters
		{"@", "`", false},
	} {
		if got := EqualFold(tc.a, tc.b); got != tc.eq {
			t.Errorf("EqualFold(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
	if i := IndexFold("/index.PHP/x.php", ".php"); i != 6 {
		t.Errorf("IndexFold = %d, want 6", i)
	}
	if i := IndexFold("/a.ks", ".\u212as"); i != -1 {
		t.Errorf("IndexFold found the Kelvin sign at %d", i)
	}
	if !HasSuffixFold("photo.JPG", ".jpg") || HasSuffixFold("jpg", ".jpg") {
		t.Error("HasSuffixFold")
	}
}

func TestToLowerKeepsLowerString(t *testing.T) {
	s := "already lower"
	if n := testing.AllocsPerRun(100, func() { _ = ToLower(s) }); n != 0 {
		t.Fatalf("ToLower allocated %v times on a lower-case string", n)
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range [][2]string{{"Content-Type", "content-TYPE"}, {"/a.PHP/b", ".php"}, {"ſ", "S"}, {"\xff", "\xdf"}, {"", "x"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, s, sub string) {
		ls, lsub := lowerRef(s), lowerRef(sub)
		if got := ToLower(s); got != ls {
			t.Fatalf("ToLower(%q) = %q, want %q", s, got, ls)
		}
		if got, want := EqualFold(s, sub), ls == lsub; got != want {
			t.Fatalf("EqualFold(%q, %q) = %v", s, sub, got)
		}
		if got, want := HasPrefixFold(s, sub), strings.HasPrefix(ls, lsub); got != want {
			t.Fatalf("HasPrefixFold(%q, %q) = %v", s, sub, got)
		}
		if got, want := HasSuffixFold(s, sub), strings.HasSuffix(ls, lsub); got != want {
			t.Fatalf("HasSuffixFold(%q, %q) = %v", s, sub, got)
		}
		if got, want := IndexFold(s, sub), strings.Index(ls, lsub); got != want {
			t.Fatalf("IndexFold(%q, %q) = %d, want %d", s, sub, got, want)
		}
	})
}
