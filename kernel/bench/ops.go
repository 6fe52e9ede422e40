// Per-CPU access benchmark kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago

package main

import "github.com/tamago-smp/kernel/internal/benchops"

// The operations are those of package benchops, the same as the host
// benchmarks (percpu/bench_ops_test.go): each adds 1 to a counter, iters
// times in a loop. This kernel runs them on its CPUs (measure.go) and adds
// the floor, which only a kernel measures.

// floorOp is the floor of a per-CPU add from Go, for comparison with
// percpu: one assembly call that does only the register-relative add
// (floor_<arch>.s), without the checks of percpu.Add. It is not an operation
// a kernel should use (an unset register or uninitialized areas go
// unnoticed); the kernel prints it as op=floor. It adds to the counter of
// percpu and percpu-raw.
var floorOp = benchops.Op{
	Name:  "floor",
	Reset: benchops.ResetCounter,
	Run: func(cpu, iters int) {
		floorLoop(benchops.Counter, iters)
	},
	Check: benchops.CheckCounter,
}
