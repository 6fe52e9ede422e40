// Per-CPU access benchmark kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago

// Command bench is a kernel that measures per-CPU access against the
// alternatives a Go kernel has, on all its CPUs at once, timed with the
// kernel's own clock, and prints the figures in the Go benchmark format, so
// that benchstat (golang.org/x/perf) reads them:
//
//	BenchmarkOps/target=<target>/op=<op>/cpus=<n> <N> <x> ns/op
//
// target is the harness's target name (bench.target=<name> on the kernel
// command line, else GOARCH), op one of the
// operations of package benchops or floor (see floorOp), n the number of
// CPUs that ran it together, every CPU of the machine, and N the operations
// of all of them (1-CPU figures come from a boot with -smp 1: the x86_64
// board's idle loop spins, so idle vCPUs would compete with the measured
// one). ns/op is the wall time from the moment the n CPUs leave a common
// start barrier until the last one finishes, divided by N, as
// testing.B.RunParallel and the host benchmarks (percpu/bench_ops_test.go)
// define it. Each benchmark is
// calibrated once and then measured bench.count=<k> times (kernel command
// line; default 1), one line each, as go test -count does.
//
// With bench.each on the command line the kernel prints only the latency
// of boot.OnEachCPU with an empty f on every CPU, eachCalls calls one after
// another: mean (ns/op), median and 99th percentile:
//
//	BenchmarkOnEachCPU/target=<target>/cpus=<n> 10000 <mean> ns/op <p50> p50-ns <p99> p99-ns
//
// With bench.bringup on the command line the kernel prints only
//
//	BenchmarkBringup/target=<target>/phase=online/cpus=<n> 1 <t> ns/op
//	BenchmarkBringup/target=<target>/phase=wake/cpus=<n> 1 <t> ns/op
//
// the time boot.Start took from the first wake-up to the last CPU online,
// and the part of it until the last CPU answered from its park loop
// (boot.Report.Answered).
// The kernel exits with status 0 only if every CPU came online and every
// measurement ran and counted its operations exactly. `go tool qemu bench`
// boots it on every target (make bench).
//
// The board (and with it the ISA port) is chosen by package board, as in
// the demo kernel.
package main

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"

	_ "github.com/tamago-smp/kernel/board"
	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/console"
	"github.com/tamago-smp/kernel/internal/benchops"
)

func main() {
	// Control came from the runtime: CPU 0 runs alone, its per-CPU
	// register pointing at area 0, every per-CPU variable defined.
	// Up prints its error
	report, err := console.Up(os.Stdout, boot.Options{})
	if err != nil {
		fmt.Println("benchmarks: 0 measured, 1 failed")
		os.Exit(1)
	}

	// boot.Start returned without error: every CPU is online, so the
	// online set is 0..n-1.
	n := len(report.Online)
	args := strings.Fields(boot.Cmdline())
	where := runtime.GOARCH
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "bench.target="); ok {
			where = v
		}
	}

	if slices.Contains(args, "bench.bringup") {
		// phase=online: boot.Start's first wake-up to the last CPU
		// online; phase=wake: to the last CPU answering from its park
		// loop, the part where every CPU runs its trampoline at once
		fmt.Printf("BenchmarkBringup/target=%s/phase=online/cpus=%d 1 %d ns/op\n", where, n, report.Elapsed.Nanoseconds())
		fmt.Printf("BenchmarkBringup/target=%s/phase=wake/cpus=%d 1 %d ns/op\n", where, n, report.Answered.Nanoseconds())
		os.Exit(0)
	}

	if slices.Contains(args, "bench.each") {
		// one run of eachCalls calls: enough for the 99th percentile
		mean, p50, p99, err := eachLatency()
		if err != nil {
			fail("FAIL OnEachCPU cpus=%d: %v", n, err)
		}
		fmt.Printf("BenchmarkOnEachCPU/target=%s/cpus=%d\t%d\t%d ns/op\t%d p50-ns\t%d p99-ns\n", where, n, eachCalls, mean.Nanoseconds(), p50.Nanoseconds(), p99.Nanoseconds())
		os.Exit(0)
	}

	count := 1
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "bench.count="); ok {
			if c, err := strconv.Atoi(v); err == nil && c >= 1 {
				count = c
			} else {
				fail("bench.count=%q: want a count of 1 or more", v)
			}
		}
	}

	failed := 0
	for _, o := range append(slices.Clone(benchops.Ops), floorOp) {
		iters, ns, err := measure(o, n, count)
		if err != nil {
			fmt.Printf("FAIL %s cpus=%d: %v\n", o.Name, n, err)
			failed++
			continue
		}
		for _, x := range ns {
			fmt.Printf("BenchmarkOps/target=%s/op=%s/cpus=%d\t%d\t%.3f ns/op\n", where, o.Name, n, n*iters, x)
		}
	}

	if failed != 0 {
		fmt.Printf("bench: %d failed\n", failed)
		os.Exit(1)
	}
	os.Exit(0)
}

// fail reports an error that stops the kernel and exits with status 1.
func fail(format string, args ...any) {
	fmt.Printf(format+"\n", args...)
	os.Exit(1)
}
