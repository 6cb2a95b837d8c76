package browse

import (
	"math"
	"testing"
	"time"
)

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 10*1024 - 52: "9.9 KiB", 10*1024 - 51: "10 KiB",
		20000: "20 KiB", 1<<20 - 1: "1024 KiB", 1 << 20: "1.0 MiB", 5 << 30: "5.0 GiB", 1 << 60: "1.0 EiB",
		math.MaxInt64: "8.0 EiB",
	} {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestAppendRFC3339(t *testing.T) {
	for _, sec := range []int64{0, 1, 951782400, 1764450000, 253402300799, -62135596800, -1, 253402300800, math.MaxInt32 * 100} {
		want := time.Unix(sec, 0).UTC().Format(time.RFC3339)
		if got := string(appendRFC3339(nil, sec)); got != want {
			t.Errorf("appendRFC3339(%d) = %q, want %q", sec, got, want)
		}
	}
}
