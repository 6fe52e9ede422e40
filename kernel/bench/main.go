// Per-CPU access benchmark kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago

// Command bench is a kernel that measures per-CPU access against the
// alternatives a Go kernel has, on one CPU and on all CPUs at once, timed
// with the kernel's own clock, and prints one line per measurement:
//
//	bench: <where> <op> cpus=<n> ns/op=<x>
//
// where is the target (x86_64, aarch64-el2, aarch64 or riscv64), op one of
// plain, percpu, percpu-raw, atomic, mutex and perp (package benchops), n the
// number of CPUs that ran it together. ns/op is the wall time from the moment
// the n CPUs leave a common start barrier until the last one finishes,
// divided by the operations of all of them, as testing.B.RunParallel and the
// host benchmarks (percpu/bench_ops_test.go) define it. The last line is
//
//	benchmarks: <measured> measured, <failed> failed
//
// and the kernel exits with status 0 only if every CPU came online and every
// measurement ran and counted its operations exactly. Before it come the
// lines
//
//	floor: <where> cpus=<n> ns/op=<x>
//
// of the floor of a per-CPU add from Go, one assembly call doing only the
// register-relative add (see floorOp), to compare percpu with. `go tool qemu bench`
// boots it on every target and prints the table.
//
// The board (and with it the ISA port) is chosen per GOARCH by the
// board_<arch>.go files, as in the demo kernel.
package main

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"

	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/internal/benchops"
	"github.com/tamago-smp/kernel/percpu"
)

func main() {
	// Control came from the runtime: CPU 0 runs alone, its per-CPU
	// register pointing at area 0, every per-CPU variable defined.
	// Up prints its error
	report, err := boot.Up(os.Stdout, boot.Options{})
	if err != nil {
		fmt.Println("benchmarks: 0 measured, 1 failed")
		os.Exit(1)
	}

	// boot.Start returned without error: every CPU is online, so the
	// online set is 0..n-1.
	n := len(report.Online)
	fmt.Printf("bringup: %s cpus=%d ns=%d\n", whereName(), n, report.Elapsed.Nanoseconds())

	// bench.bringup on the kernel command line: the bring-up time is
	// all that was asked for (go tool qemu bench -bringup)
	if slices.Contains(strings.Fields(boot.Cmdline()), "bench.bringup") {
		fmt.Println("benchmarks: 0 measured, 0 failed")
		os.Exit(0)
	}
	where := whereName()

	fmt.Printf("cpus online: %d (%s, per-CPU register %s)\n", n, where, percpu.RegName())

	counts := []int{1}
	if n > 1 {
		counts = append(counts, n)
	}

	measured, failed := 0, 0

	for _, o := range benchops.Ops {
		for _, c := range counts {
			ns, err := measure(o, c)
			if err != nil {
				fmt.Printf("FAIL %s cpus=%d: %v\n", o.Name, c, err)
				failed++
				continue
			}

			fmt.Printf("bench: %s %s cpus=%d ns/op=%.3f\n", where, o.Name, c, ns)
			measured++
		}
	}

	for _, c := range counts {
		ns, err := measure(floorOp, c)
		if err != nil {
			fmt.Printf("FAIL %s cpus=%d: %v\n", floorOp.Name, c, err)
			failed++
			continue
		}

		fmt.Printf("floor: %s cpus=%d ns/op=%.3f\n", where, c, ns)
	}

	// the pairs are 1-CPU figures: measured in the 1-CPU boot only, which
	// keeps the all-CPU boot within its timeout
	if n == 1 {
		if err := pairs(where); err != nil {
			fmt.Printf("FAIL pairs: %v\n", err)
			failed++
		}
	}

	fmt.Printf("benchmarks: %d measured, %d failed\n", measured, failed)

	if failed != 0 {
		os.Exit(1)
	}

	os.Exit(0)
}

// pairRounds is the number of interleaved measurements of each pair.
const pairRounds = 5

// pairs measures, on one CPU, each operation of a pair right after the
// other, pairRounds times, and prints the median of the ratios:
//
//	ratio: <where> <op>/<base> cpus=1 median=<r> of <k> interleaved pairs
//
// The bench: lines measure every operation once, seconds apart; on a shared
// host the load changes in between, while two measurements in a row see
// about the same load. The pairs are the comparisons the figures are for:
// Add on an allocated variable against Add on a defined one (goal: within
// 5%), Counter.Add against percpu.Add and against the shared atomic.
func pairs(where string) error {
	byName := map[string]benchops.Op{}
	for _, o := range benchops.Ops {
		byName[o.Name] = o
	}

	for _, p := range [][2]string{{"percpu-dyn", "percpu"}, {"counter", "percpu"}, {"atomic", "counter"}} {
		ratios := make([]float64, pairRounds)

		for r := range ratios {
			a, err := measure(byName[p[0]], 1)
			if err != nil {
				return err
			}
			b, err := measure(byName[p[1]], 1)
			if err != nil {
				return err
			}
			ratios[r] = a / b
		}

		slices.Sort(ratios)
		fmt.Printf("ratio: %s %s/%s cpus=1 median=%.3f of %d interleaved pairs\n", where, p[0], p[1], ratios[pairRounds/2], pairRounds)
	}

	return nil
}

// whereName names the target the kernel runs on, as the harness's target
// table does.
func whereName() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64"
	case "arm64":
		if percpu.RegName() == "tpidr_el2" {
			return "aarch64-el2"
		}
		return "aarch64"
	}

	return runtime.GOARCH
}
