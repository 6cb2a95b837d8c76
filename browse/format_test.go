package browse

import (
	"math"
	"strconv"
	"strings"
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
	// Every day of the years around leap-year rules and the ends of the
	// range, and every 97th day from year 0 to 9999, at varying times.
	check := func(sec int64) {
		want := time.Unix(sec, 0).UTC().Format(time.RFC3339)
		if got := string(appendRFC3339(nil, sec)); got != want {
			t.Fatalf("appendRFC3339(%d) = %q, want %q", sec, got, want)
		}
	}
	for _, year := range []int{0, 1, 4, 100, 1600, 1900, 1969, 1970, 2000, 2024, 2100, 9999} {
		start := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
		for day := range int64(366) {
			check(start + day*86400 + day*3607%86400)
		}
	}
	for sec := int64(-62167219200); sec <= 253402300799; sec += 97*86400 + 3607 {
		check(sec)
	}
	for _, sec := range []int64{-62167219201, -62167219200, 253402300799, 253402300800, math.MinInt64, math.MaxInt64} {
		want := time.Unix(sec, 0).UTC().Format(time.RFC3339)
		if got := string(appendRFC3339(nil, sec)); got != want {
			t.Errorf("appendRFC3339(%d) = %q, want %q", sec, got, want)
		}
	}
}

// TestHumanSizeRounding: sizes round as the float formula this package
// used before does (tenths rounded to nearest, then units for 10 and up).
func TestHumanSizeRounding(t *testing.T) {
	sizes := []int64{math.MaxInt64, math.MaxInt64 - 1<<50, 1<<60 - 1, 1<<50 + 1<<49, 1<<40*10 - 1<<30*51}
	for n := int64(1024); n < 64<<20; n += 997 {
		sizes = append(sizes, n, n<<20, n<<30)
	}
	for _, n := range sizes {
		div := int64(1024)
		for n/div >= 1024 && div < 1<<60 {
			div *= 1024
		}
		tenths := n/div*10 + int64(math.Round(float64(n%div)*10/float64(div)))
		want := strconv.FormatInt((tenths+5)/10, 10)
		if tenths < 100 {
			want = strconv.FormatInt(tenths/10, 10) + "." + strconv.FormatInt(tenths%10, 10)
		}
		if got := humanSize(n); got[:strings.IndexByte(got, ' ')] != want {
			t.Fatalf("humanSize(%d) = %q, want %s", n, got, want)
		}
	}
}
