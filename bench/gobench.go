package main

import "testing"

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
