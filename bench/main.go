// Command bench measures httpmw side by side with the libraries and servers a
// Go developer would otherwise pick, in one run, and prints a table.
//
//	go run .                  every comparison
//	go run . -run gzip        only packages (or package/case) matching a regexp
//	go run . -json            one JSON object per comparison and metric
//
// Each row shows our figure, a peer's, and "gain": how many times better ours
// is (peer/ours for lower-is-better metrics, ours/peer for higher-is-better),
// so a gain above 1 means httpmw wins.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"regexp"
	"sort"
	"testing"
	"text/tabwriter"
	"time"
)

// Comparison is one case measured for httpmw and for each peer.
type Comparison struct {
	Package string
	Case    string
	Ours    Runner
	Peers   []Peer
}

// Peer is a named competitor in a Comparison.
type Peer struct {
	Name string
	Run  Runner
}

// Runner measures one side of a comparison. It returns its figures by metric,
// or an error when the side cannot run here (a missing nginx, say).
type Runner func() (Figures, error)

// Figures maps a metric name ("ns/op", "req/s", ...) to its value.
type Figures map[string]float64

// higherIsBetter lists the metrics where more wins; every other one is a cost.
var higherIsBetter = map[string]bool{"req/s": true, "MB/s": true}

// comparisons is every registered case, package by package.
func comparisons() []Comparison {
	var all []Comparison
	all = append(all, adapterComparisons()...)
	all = append(all, gzipComparisons()...)
	all = append(all, loggerComparisons()...)
	all = append(all, browseComparisons()...)
	all = append(all, tunnelserverComparisons()...)
	all = append(all, tunnelComparisons()...)
	all = append(all, reverseproxyComparisons()...)
	all = append(all, gitsyncComparisons()...)
	all = append(all, fcgiComparisons()...)
	all = append(all, inspectComparisons()...)
	all = append(all, smallComparisons()...)
	all = append(all, errorpageComparisons()...)
	all = append(all, rewriteComparisons()...)
	all = append(all, innerComparisons()...)
	all = append(all, clusterComparisons()...)
	return all
}

func main() {
	// Sides that must be measured in a process of their own (their peak RSS
	// alone) re-run this binary with one of these variables set.
	if side := os.Getenv(fcgiServeEnv); side != "" {
		fcgiServe(side)
		return
	}
	if spec := os.Getenv(clusterNodeEnv); spec != "" {
		clusterNode(spec)
		return
	}
	if spec := os.Getenv(tcIdleEnv); spec != "" {
		tcIdleClients(spec)
	}
	if mode := os.Getenv(gitsyncChildEnv); mode != "" {
		gitsyncChild(mode) // exits with the child's status
	}

	run := flag.String("run", "", "only run comparisons whose package or package/case matches this regexp")
	asJSON := flag.Bool("json", false, "print one JSON object per comparison and metric instead of a table")
	benchtime := flag.Duration("benchtime", time.Second, "time each Go benchmark runs for")
	testing.Init()
	flag.Parse()
	if err := flag.Set("test.benchtime", benchtime.String()); err != nil {
		fatal(err)
	}
	filter, err := regexp.Compile(*run)
	if err != nil {
		fatal(fmt.Errorf("-run: %w", err))
	}

	var rows []row
	for _, c := range comparisons() {
		if !filter.MatchString(c.Package) && !filter.MatchString(c.Package+"/"+c.Case) {
			continue
		}
		fmt.Fprintf(os.Stderr, "measuring %s/%s\n", c.Package, c.Case)
		rows = append(rows, measure(c)...)
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				fatal(err)
			}
		}
		return
	}
	printTable(rows)
}

// row is one comparison's result for one metric, in the -json shape.
type row struct {
	Package string             `json:"package"`
	Case    string             `json:"case"`
	Metric  string             `json:"metric"`
	Better  string             `json:"better"`
	Ours    float64            `json:"ours"`
	Peers   map[string]float64 `json:"peers"`
	Errors  map[string]string  `json:"errors,omitempty"`
}

func measure(c Comparison) []row {
	errs := map[string]string{}
	ours, err := c.Ours()
	if err != nil {
		errs["httpmw"] = err.Error()
	}
	peers := map[string]Figures{}
	for _, p := range c.Peers {
		f, err := p.Run()
		if err != nil {
			errs[p.Name] = err.Error()
			continue
		}
		peers[p.Name] = f
	}
	metrics := make([]string, 0, len(ours))
	for m := range ours {
		metrics = append(metrics, m)
	}
	sort.Strings(metrics)
	var rows []row
	for _, m := range metrics {
		r := row{Package: c.Package, Case: c.Case, Metric: m, Better: "lower", Ours: ours[m], Peers: map[string]float64{}}
		if higherIsBetter[m] {
			r.Better = "higher"
		}
		for name, f := range peers {
			if v, ok := f[m]; ok {
				r.Peers[name] = v
			}
		}
		if len(errs) > 0 {
			r.Errors = errs
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 { // ours failed: still show why
		rows = append(rows, row{Package: c.Package, Case: c.Case, Metric: "-", Better: "lower", Peers: map[string]float64{}, Errors: errs})
	}
	return rows
}

// gain is how many times better ours is than the peer's value.
func gain(better string, ours, peer float64) float64 {
	if ours == peer {
		return 1
	}
	if better == "higher" {
		ours, peer = peer, ours
	}
	if ours == 0 {
		return math.Inf(1)
	}
	return peer / ours
}

func printTable(rows []row) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "package\tcase\tmetric\thttpmw\tpeer\tpeer value\tgain\t")
	for _, r := range rows {
		names := make([]string, 0, len(r.Peers))
		for n := range r.Peers {
			names = append(names, n)
		}
		sort.Strings(names)
		if len(names) == 0 {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t-\t-\t-\t\n", r.Package, r.Case, r.Metric, num(r.Ours))
		}
		for _, n := range names {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%.2fx\t\n", r.Package, r.Case, r.Metric, num(r.Ours), n, num(r.Peers[n]), gain(r.Better, r.Ours, r.Peers[n]))
		}
	}
	tw.Flush()
	seen := map[string]bool{}
	for _, r := range rows {
		for side, e := range r.Errors {
			key := r.Package + "/" + r.Case + "/" + side
			if !seen[key] {
				seen[key] = true
				fmt.Printf("not measured: %s: %s\n", key, e)
			}
		}
	}
}

func num(v float64) string {
	switch {
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(2)
}
