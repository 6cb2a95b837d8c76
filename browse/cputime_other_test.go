//go:build !unix

package browse

// cpuTime is not measured here: BenchmarkListing reports 0 cpu-ns/op.
func cpuTime() int64 { return 0 }
