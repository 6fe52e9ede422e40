// Per-CPU access benchmark kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago

package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	_ "unsafe" // go:linkname

	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/percpu"
)

// The operations, the same as the host benchmarks (percpu/bench_test.go):
// each adds 1 to a counter, iters times in a loop.
var ops = []op{
	{
		// plain: a non-atomic increment of a plain global (global++),
		// one memory read-modify-write. With n CPUs each CPU
		// increments its own global: no sharing, no per-CPU lookup,
		// the unreachable ideal.
		name:   "plain",
		pinned: true,
		reset:  func() { clear(plainSlots[:]) },
		run:    plainLoop,
		check: func(n int, total uint64) error {
			return sumIs("plain slots", plainSlots[:n], total)
		},
	},
	{
		// percpu: the safe tier, percpu.Add: one assembly call, no
		// pinning needed (the loop is pinned only to keep one worker
		// per CPU).
		name:   "percpu",
		pinned: true,
		reset:  resetCounter,
		run:    percpuLoop,
		check:  checkCounter,
	},
	{
		// percpu-raw: the raw tier in a hot loop, RawPtr() once and
		// then *p += 1 per operation, correct because the worker is
		// pinned to its CPU.
		name:   "percpu-raw",
		pinned: true,
		reset:  resetCounter,
		run:    percpuRawLoop,
		check:  checkCounter,
	},
	{
		// atomic: one counter shared by all CPUs, sync/atomic Add.
		name:   "atomic",
		pinned: true,
		reset:  func() { sharedAtomic.n.Store(0) },
		run:    atomicLoop,
		check: func(n int, total uint64) error {
			return valueIs("shared atomic", sharedAtomic.n.Load(), total)
		},
	},
	{
		// mutex: one shared counter behind a sync.Mutex. Lock may
		// park the goroutine, which a pinned goroutine must never do:
		// the workers are plain goroutines (see runOnce).
		name:  "mutex",
		reset: func() { sharedMutex.n = 0 },
		run:   mutexLoop,
		check: func(n int, total uint64) error {
			return valueIs("mutex counter", sharedMutex.n, total)
		},
	},
	{
		// perp: a padded array indexed by the P id under
		// runtime.procPin, the best a Go program can do without
		// per-CPU registers.
		name:   "perp",
		pinned: true,
		reset:  func() { clear(perpSlots[:]) },
		run:    perpLoop,
		check: func(n int, total uint64) error {
			return sumIs("per-P slots", perpSlots[:], total)
		},
	},
}

// floorOp is the floor of a per-CPU add from Go, for comparison with
// percpu: one assembly call that does only the register-relative add
// (floor_<arch>.s), without the checks of percpu.Add. It is not an operation
// a kernel should use (an unset register or uninitialised areas go
// unnoticed); the kernel prints it on floor: lines.
var floorOp = op{
	name:   "floor",
	pinned: true,
	reset:  resetCounter,
	run: func(cpu, iters int) {
		floorLoop(counter, iters)
	},
	check: checkCounter,
}

// op is one operation: run does iters operations as CPU cpu, check verifies
// afterwards that the n CPUs counted total operations. A pinned op runs its
// loop pinned to its CPU, through boot.OnEachCPU.
type op struct {
	name   string
	pinned bool
	reset  func()
	run    func(cpu, iters int)
	check  func(n int, total uint64) error
}

//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()

// cacheLine pads the counters so that no two share a line.
const cacheLine = 64

type paddedU64 struct {
	n uint64
	_ [cacheLine - 8]byte
}

var (
	// counter is the per-CPU counter of percpu and percpu-raw.
	counter = percpu.Define[uint64](0)

	// plainSlots: slot cpu is CPU cpu's plain counter.
	plainSlots [boot.MaxCPUs]paddedU64

	// perpSlots: slot p is the counter of the scheduler's P number p.
	perpSlots [boot.MaxCPUs]paddedU64

	sharedAtomic struct {
		_ [cacheLine]byte
		n atomic.Uint64
		_ [cacheLine - 8]byte
	}

	sharedMutex struct {
		_  [cacheLine]byte
		mu sync.Mutex
		n  uint64
		_  [cacheLine]byte
	}
)

// resetCounter zeroes counter on every CPU; no CPU runs an op meanwhile.
func resetCounter() {
	for cpu := 0; cpu < percpu.AreaNum(); cpu++ {
		*counter.Remote(cpu) = 0
	}
}

// checkCounter sums counter over every CPU, after the CPUs stopped.
func checkCounter(n int, total uint64) error {
	var sum uint64
	for cpu := 0; cpu < percpu.AreaNum(); cpu++ {
		sum += *counter.Remote(cpu)
	}
	return valueIs("per-CPU counters", sum, total)
}

func sumIs(what string, slots []paddedU64, total uint64) error {
	var sum uint64
	for i := range slots {
		sum += slots[i].n
	}
	return valueIs(what, sum, total)
}

func valueIs(what string, got, want uint64) error {
	if got != want {
		return fmt.Errorf("%s add up to %d, want %d operations", what, got, want)
	}
	return nil
}
