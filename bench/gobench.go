package main

import (
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// GoBench measures f with testing.Benchmark and reports ns/op, allocs/op and B/op.
func GoBench(f func(b *testing.B)) Runner {
	return func() (Figures, error) {
		r := testing.Benchmark(func(b *testing.B) {
			b.ReportAllocs()
			f(b)
		})
		return Figures{
			"ns/op":     float64(r.T.Nanoseconds()) / float64(r.N),
			"allocs/op": float64(r.AllocsPerOp()),
			"B/op":      float64(r.AllocedBytesPerOp()),
		}, nil
	}
}

// timeRounds times serve alone, in rounds of about roundTime for about
// total, and returns the fastest round's ns/op and the median round's
// (the figures gzip's sideBySide reports, for one handler).
func timeRounds(serve func(), total time.Duration) (best, median float64) {
	for range 20 { // warm pools and caches
		serve()
	}
	start := time.Now()
	serve()
	n := max(1, int(roundTime/max(time.Since(start), time.Nanosecond)))
	var perOp []float64
	for begin := time.Now(); time.Since(begin) < total || len(perOp) < 5; {
		t0 := time.Now()
		for range n {
			serve()
		}
		perOp = append(perOp, float64(time.Since(t0).Nanoseconds())/float64(n))
	}
	slices.Sort(perOp)
	return perOp[0], perOp[len(perOp)/2]
}

// allocsPerOp is the mean number and size of heap allocations of serve.
func allocsPerOp(serve func(), runs int) (allocs, bytes float64) {
	serve()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		serve()
	}
	runtime.ReadMemStats(&after)
	return float64(after.Mallocs-before.Mallocs) / float64(runs), float64(after.TotalAlloc-before.TotalAlloc) / float64(runs)
}

// measuredTogether returns Runners, one per side name, for sides that are
// measured in one go (alternating rounds, so that noise hits them alike):
// the first Runner called runs all, the others read its results.
func measuredTogether(all func() (map[string]Figures, map[string]error)) func(name string) Runner {
	var once sync.Once
	var figures map[string]Figures
	var errs map[string]error
	return func(name string) Runner {
		return func() (Figures, error) {
			once.Do(func() { figures, errs = all() })
			if err := errs[name]; err != nil {
				return nil, err
			}
			return figures[name], nil
		}
	}
}
