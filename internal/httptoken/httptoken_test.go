package httptoken

import (
	"strings"
	"testing"
)

// tcharRef is RFC 9110's other wording of tchar: any visible ASCII
// character (VCHAR, 0x21-0x7e) but the delimiters.
func tcharRef(c byte) bool {
	return 0x21 <= c && c <= 0x7e && !strings.ContainsRune(`"(),/:;<=>?@[\]{}`, rune(c))
}

func TestEveryByte(t *testing.T) {
	for c := 0; c < 256; c++ {
		if got, want := IsTokenByte(byte(c)), tcharRef(byte(c)); got != want {
			t.Errorf("IsTokenByte(%#x) = %v, want %v", c, got, want)
		}
	}
}

func TestIsToken(t *testing.T) {
	for s, want := range map[string]bool{
		"Content-Type": true, "X-Real-IP": true, "GET": true, "!#$%&'*+-.^_`|~": true,
		"": false, "a b": false, "a:b": false, "é": false, "a\x00": false, "a\r\nb": false,
	} {
		if got := IsToken(s); got != want {
			t.Errorf("IsToken(%q) = %v", s, got)
		}
	}
}

func FuzzIsToken(f *testing.F) {
	for _, s := range []string{"Content-Type", "", "a b", "\x7f", "x\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := s != ""
		for i := 0; i < len(s); i++ {
			want = want && tcharRef(s[i])
		}
		if got := IsToken(s); got != want {
			t.Fatalf("IsToken(%q) = %v", s, got)
		}
	})
}
