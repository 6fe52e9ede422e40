// Per-CPU access benchmark operations
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Package benchops holds the operations that the per-CPU access benchmark
// compares: their counters, their loops and the checks that every operation
// was counted. The host benchmarks (BenchmarkOps, percpu/bench_ops_test.go)
// and the benchmark kernel (kernel/bench) run these same operations; each of
// them keeps only how it runs them on its CPUs and how it times them.
//
// Every operation adds 1 to a counter, iters times in a loop, as one CPU of
// n running it at once; the last two (counter-sum, alloc-free) do one Sum,
// or one Alloc and Free, per iteration and count them. A caller runs Reset, then Run on each of its n CPUs,
// then, after every CPU stopped, Check with n and the total number of
// operations of all CPUs.
//
// The package builds on every GOOS: on the host it runs under go test, with
// locked threads as CPUs; on a TamaGo kernel, with the kernel's CPUs.
package benchops

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/tamago-smp/kernel/linker"
	"github.com/tamago-smp/kernel/percpu"
)

// Op is one operation of the comparison.
type Op struct {
	// Name names the operation on the bench: lines and in the
	// benchmark names (BenchmarkOps/<Name>/cpus=<n>).
	Name string

	// Parks is true if Run may park its goroutine (sync.Mutex.Lock): it
	// must then not run with its goroutine pinned to a CPU.
	Parks bool

	// Reset zeroes the operation's counters; no CPU runs the operation
	// meanwhile.
	Reset func()

	// Run does iters operations as CPU cpu, in [0, MaxCPUs).
	Run func(cpu, iters int)

	// Check verifies, after the n CPUs stopped, that the counters hold
	// total operations.
	Check func(n int, total uint64) error
}

// Ops are the operations compared, in the order of every table.
var Ops = []Op{
	{
		// plain: a non-atomic increment of a plain global (global++),
		// one memory read-modify-write per operation. With n CPUs each
		// increments its own global: no sharing and no per-CPU
		// lookup, the unreachable ideal. See plainLoop.
		Name:  "plain",
		Reset: func() { clear(plainSlots[:]) },
		Run:   plainLoop,
		Check: func(n int, total uint64) error {
			return sumIs("plain slots", plainSlots[:n], total)
		},
	},
	{
		// percpu: the safe tier, percpu.Add: one assembly call, one
		// register-relative add, no pinning needed.
		Name:  "percpu",
		Reset: ResetCounter,
		Run:   percpuLoop,
		Check: CheckCounter,
	},
	{
		// percpu-dyn: percpu.Add on a variable allocated with
		// percpu.Alloc after Init, in a chunk: the same assembly call
		// as percpu, at another offset. Goal: within 5% of percpu.
		Name:  "percpu-dyn",
		Reset: resetDyn,
		Run:   percpuDynLoop,
		Check: func(n int, total uint64) error {
			return valueIs("allocated per-CPU variables", percpu.Sum(dynVar), total)
		},
	},
	{
		// percpu-raw: the raw tier in a hot loop, RawPtr() once and
		// then *p += 1 per operation, correct because the caller runs
		// it pinned to its CPU (a locked thread on the host).
		Name:  "percpu-raw",
		Reset: ResetCounter,
		Run:   percpuRawLoop,
		Check: CheckCounter,
	},
	{
		// atomic: one counter shared by all CPUs, sync/atomic Add
		// (LOCK XADD on x86).
		Name:  "atomic",
		Reset: func() { sharedAtomic.n.Store(0) },
		Run:   atomicLoop,
		Check: func(n int, total uint64) error {
			return valueIs("shared atomic", sharedAtomic.n.Load(), total)
		},
	},
	{
		// mutex: one shared counter behind a sync.Mutex. Lock may
		// park the goroutine, which a pinned goroutine must never do.
		Name:  "mutex",
		Parks: true,
		Reset: func() { sharedMutex.n = 0 },
		Run:   mutexLoop,
		Check: func(n int, total uint64) error {
			return valueIs("mutex counter", sharedMutex.n, total)
		},
	},
	{
		// perp: the best a Go program can do without per-CPU
		// registers: a padded array indexed by the P id, under
		// percpu.Pin (runtime.procPin, the pin of sync.Pool), two runtime calls
		// per operation.
		Name:  "perp",
		Reset: func() { clear(perpSlots[:]) },
		Run:   perpLoop,
		Check: func(n int, total uint64) error {
			return sumIs("per-P slots", perpSlots[:], total)
		},
	},
	{
		// counter: percpu.Counter.Add(1), a counter allocated after
		// Init; the same call as percpu.Add.
		Name:  "counter",
		Reset: resetCounter,
		Run:   counterLoop,
		Check: func(n int, total uint64) error {
			return valueIs("per-CPU counter", uint64(dynCounter.Sum()), total)
		},
	},
	{
		// counter-sum: Counter.Sum, one load of every area's slot
		// (the online set is left at its default, all areas, so that
		// every boot sums percpu.AreaNum() slots: the cost per CPU is
		// ns/op divided by AreaNum). Counted in a padded slot per CPU.
		Name:  "counter-sum",
		Reset: func() { resetCounter(); clear(opSlots[:]) },
		Run:   counterSumLoop,
		Check: func(n int, total uint64) error {
			return sumIs("Sum calls", opSlots[:n], total)
		},
	},
	{
		// alloc-free: percpu.Alloc[uint64] and percpu.Free, a spin
		// lock, a first-fit search, and a copy, a poison check and a
		// poisoning of the slot in every area. Counted in a padded
		// slot per CPU.
		Name:  "alloc-free",
		Reset: func() { clear(opSlots[:]) },
		Run:   allocFreeLoop,
		Check: func(n int, total uint64) error {
			if err := opErr.Load(); err != nil {
				return *err
			}
			return sumIs("Alloc+Free pairs", opSlots[:n], total)
		},
	},
}

// MaxCPUs bounds the CPUs that run an operation together (the cpu argument
// of Run) and the P ids of perp: every CPU a kernel can bring up.
const MaxCPUs = linker.MaxCPUs

// cacheLine pads the counters so that no two share a line.
const cacheLine = 64

type paddedU64 struct {
	n uint64
	_ [cacheLine - 8]byte
}

var (
	// Counter is the per-CPU counter of percpu and percpu-raw; the
	// kernel's floor loop adds to it too.
	Counter = percpu.Define[uint64](0)

	// plainSlots: slot cpu is CPU cpu's plain counter (with one CPU, a
	// plain global).
	plainSlots [MaxCPUs]paddedU64

	// perpSlots: slot p is the counter of the Go scheduler's P number p.
	perpSlots [MaxCPUs]paddedU64

	// opSlots: slot cpu counts the operations of CPU cpu for the
	// operations that are not additions (counter-sum, alloc-free).
	opSlots [MaxCPUs]paddedU64

	// opErr is the first error of alloc-free.
	opErr atomic.Pointer[error]

	// dynVar and dynCounter are allocated after Init, by the first Reset
	// of their operations.
	dynVar     *percpu.Var[uint64]
	dynCounter *percpu.Counter

	// sharedAtomic is the one counter every CPU adds to atomically.
	sharedAtomic struct {
		_ [cacheLine]byte
		n atomic.Uint64
		_ [cacheLine - 8]byte
	}

	// sharedMutex guards one counter shared by every CPU.
	sharedMutex struct {
		_  [cacheLine]byte
		mu sync.Mutex
		n  uint64
		_  [cacheLine]byte
	}
)

// ResetCounter zeroes Counter on every CPU; no CPU runs an operation
// meanwhile.
func ResetCounter() {
	for cpu := 0; cpu < percpu.AreaNum(); cpu++ {
		*Counter.Remote(cpu) = 0
	}
}

// CheckCounter sums Counter over every CPU, after the CPUs stopped, and
// returns an error unless the sum is total.
func CheckCounter(n int, total uint64) error {
	var sum uint64
	for cpu := 0; cpu < percpu.AreaNum(); cpu++ {
		sum += *Counter.Remote(cpu)
	}
	return valueIs("per-CPU counters", sum, total)
}

// resetDyn allocates dynVar on first use and zeroes it on every CPU; no CPU
// runs an operation meanwhile. It panics if the allocation fails, which
// only a kernel with no dynamic per-CPU memory left can see.
func resetDyn() {
	if dynVar == nil {
		v, err := percpu.Alloc[uint64](0)
		if err != nil {
			panic(err)
		}
		dynVar = v
	}
	for cpu := 0; cpu < percpu.AreaNum(); cpu++ {
		*dynVar.Remote(cpu) = 0
	}
}

// resetCounter allocates dynCounter on first use and zeroes it.
func resetCounter() {
	if dynCounter == nil {
		c, err := percpu.NewCounter()
		if err != nil {
			panic(err)
		}
		dynCounter = c
	}
	dynCounter.Reset()
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
