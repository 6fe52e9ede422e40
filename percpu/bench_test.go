// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"
)

// Host benchmarks. BenchmarkOps is the side-by-side comparison that
// `go tool qemu bench` (make bench) runs and turns into `bench: host ...`
// lines; kernel/bench runs the same operations on every CPU of a kernel. The
// other benchmarks measure one accessor each, on one CPU.
//
// A host "CPU" is a goroutine locked to its OS thread whose GS base points at
// the area of that CPU (InitReg), as in the stress tests: the per-CPU
// operations run the same GS-relative assembly as the x86_64 kernel.
//
// ns/op with n CPUs is the wall time from the moment all n CPUs are released
// together until the last one finishes, divided by the total number of
// operations of all CPUs (b.N), as testing.B.RunParallel defines it: with
// perfect scaling it is the 1-CPU figure divided by n.

// benchOp is one operation of the comparison: run does iters operations as
// CPU cpu of n, check verifies afterwards that total operations were
// counted.
type benchOp struct {
	name  string
	reset func()
	run   func(cpu, iters int)
	check func(n int, total uint64) error
}

// cacheLine pads shared and per-slot counters so that no two share a line.
const cacheLine = 64

type paddedU64 struct {
	n uint64
	_ [cacheLine - 8]byte
}

var (
	// benchCounter is the per-CPU counter of the percpu and percpu-raw
	// operations.
	benchCounter = Define[uint64](0)

	// plainSlots: slot cpu is CPU cpu's plain counter (with one CPU, a
	// plain global).
	plainSlots [maxBenchCPUs]paddedU64

	// perpSlots: slot p is the counter of the Go scheduler's P number p.
	perpSlots [maxBenchCPUs]paddedU64

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

// maxBenchCPUs bounds the CPUs (threads) of the all-CPU runs, and the Ps of
// the perp operation.
const maxBenchCPUs = 64

// benchOps are the operations compared, in the order of every table.
var benchOps = []benchOp{
	{
		// plain: a non-atomic increment of a plain global (global++),
		// one memory read-modify-write per operation. With n CPUs each
		// increments its own global: no sharing and no per-CPU
		// lookup, the unreachable ideal. See plainLoop.
		name: "plain",
		reset: func() {
			clear(plainSlots[:])
		},
		run: plainLoop,
		check: func(n int, total uint64) error {
			return sumIs("plain slots", plainSlots[:n], total)
		},
	},
	{
		// percpu: the safe tier, percpu.Add: one assembly call, one
		// GS-relative ADD, no pinning.
		name:  "percpu",
		reset: resetBenchCounter,
		run: func(cpu, iters int) {
			for i := 0; i < iters; i++ {
				Add(benchCounter, 1)
			}
		},
		check: checkBenchCounter,
	},
	{
		// percpu-raw: the raw tier in a hot loop, RawPtr() once and
		// then *p += 1 per operation, correct because the thread is
		// locked (a pinned CPU on a kernel).
		name:  "percpu-raw",
		reset: resetBenchCounter,
		run: func(cpu, iters int) {
			p := benchCounter.RawPtr()
			for i := 0; i < iters; i++ {
				*p += 1
			}
		},
		check: checkBenchCounter,
	},
	{
		// atomic: one shared counter, sync/atomic Add (LOCK XADD).
		name: "atomic",
		reset: func() {
			sharedAtomic.n.Store(0)
		},
		run: func(cpu, iters int) {
			for i := 0; i < iters; i++ {
				sharedAtomic.n.Add(1)
			}
		},
		check: func(n int, total uint64) error {
			return valueIs("shared atomic", sharedAtomic.n.Load(), total)
		},
	},
	{
		// mutex: one shared counter behind a sync.Mutex.
		name: "mutex",
		reset: func() {
			sharedMutex.n = 0
		},
		run: func(cpu, iters int) {
			for i := 0; i < iters; i++ {
				sharedMutex.mu.Lock()
				sharedMutex.n++
				sharedMutex.mu.Unlock()
			}
		},
		check: func(n int, total uint64) error {
			return valueIs("mutex counter", sharedMutex.n, total)
		},
	},
	{
		// perp: the best a Go program can do without this package: a
		// padded array indexed by the P id, under runtime.procPin
		// (the pin of sync.Pool), two runtime calls per operation.
		name: "perp",
		reset: func() {
			clear(perpSlots[:])
		},
		run: func(cpu, iters int) {
			for i := 0; i < iters; i++ {
				pid := procPin()
				perpSlots[pid].n++
				procUnpin()
			}
		},
		check: func(n int, total uint64) error {
			return sumIs("per-P slots", perpSlots[:], total)
		},
	},
}

// plainLoop increments CPU cpu's plain global iters times. Each case names
// its slot with a constant index, so that the increment is one instruction
// with a RIP-relative memory operand (INCQ plainSlots+64*cpu(SB)), as a Go
// global++ is. (CPUs 8 and up go through a pointer in a register, which
// AMD Zen cores rename: see BenchmarkPlainPtr and docs/BENCH.md.)
func plainLoop(cpu, iters int) {
	switch cpu {
	case 0:
		for i := 0; i < iters; i++ {
			plainSlots[0].n++
		}
	case 1:
		for i := 0; i < iters; i++ {
			plainSlots[1].n++
		}
	case 2:
		for i := 0; i < iters; i++ {
			plainSlots[2].n++
		}
	case 3:
		for i := 0; i < iters; i++ {
			plainSlots[3].n++
		}
	case 4:
		for i := 0; i < iters; i++ {
			plainSlots[4].n++
		}
	case 5:
		for i := 0; i < iters; i++ {
			plainSlots[5].n++
		}
	case 6:
		for i := 0; i < iters; i++ {
			plainSlots[6].n++
		}
	case 7:
		for i := 0; i < iters; i++ {
			plainSlots[7].n++
		}
	default:
		p := &plainSlots[cpu].n
		for i := 0; i < iters; i++ {
			*p++
		}
	}
}

func resetBenchCounter() {
	for cpu := 0; cpu < AreaNum(); cpu++ {
		*benchCounter.Remote(cpu) = 0
	}
}

func checkBenchCounter(n int, total uint64) error {
	var sum uint64
	for cpu := 0; cpu < AreaNum(); cpu++ {
		sum += *benchCounter.Remote(cpu)
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

// benchCPUCounts returns the CPU counts of BenchmarkOps: 1 and all CPUs
// (runtime.NumCPU, at most the number of areas). Where threads are not CPUs
// (hosts other than linux/amd64) only 1.
func benchCPUCounts() []int {
	all := min(runtime.NumCPU(), AreaNum(), maxBenchCPUs)

	if !threadCPUs || all < 2 {
		return []int{1}
	}

	return []int{1, all}
}

// BenchmarkOps compares the operations of benchOps, each with 1 CPU and
// with all CPUs at once: BenchmarkOps/<op>/cpus=<n>.
func BenchmarkOps(b *testing.B) {
	fresh(b)

	for _, op := range benchOps {
		for _, n := range benchCPUCounts() {
			b.Run(fmt.Sprintf("%s/cpus=%d", op.name, n), func(b *testing.B) {
				runOnCPUs(b, n, op)
			})
		}
	}
}

// runOnCPUs runs b.N operations op on n CPUs: n goroutines, each locked to
// its thread and registered as CPU cpu, do b.N/n operations each (the first
// b.N%n one more). The timer runs from the release of all of them to the
// end of the last; the counters are checked afterwards.
func runOnCPUs(b *testing.B, n int, op benchOp) {
	if gmp := runtime.GOMAXPROCS(0); gmp < n {
		b.Fatalf("GOMAXPROCS=%d, want at least %d for %d CPUs", gmp, n, n)
	}

	op.reset()

	var ready, done sync.WaitGroup
	start := make(chan struct{})

	ready.Add(n)
	done.Add(n)

	for cpu := 0; cpu < n; cpu++ {
		iters := b.N / n
		if cpu < b.N%n {
			iters++
		}

		go func() {
			defer done.Done()

			InitReg(cpu) // locks the goroutine to its thread: CPU cpu
			ready.Done()
			<-start

			op.run(cpu, iters)
		}()
	}

	ready.Wait()
	b.ResetTimer()
	close(start)
	done.Wait()
	b.StopTimer()

	if err := op.check(n, uint64(b.N)); err != nil {
		b.Fatalf("%s with %d CPUs, %d operations: %v", op.name, n, b.N, err)
	}
}

// benchOnCPU runs the benchmark body as CPU 0 (on linux/amd64, a locked
// thread with its GS base set).
func benchOnCPU(b *testing.B, body func()) {
	fresh(b)
	done := make(chan struct{})

	go func() {
		defer close(done)
		InitReg(0)
		b.ResetTimer()
		body()
	}()

	<-done
}

var sinkU64 uint64

// BenchmarkPlainPtr is plain through a pointer held in a register (INCQ
// 0(AX), the loop bound in a register too): the same memory increment as
// plain, which AMD Zen cores can run at about one per cycle, because their
// memory renaming forwards a store to the next load of the same
// register-addressed location. RIP-relative (plain) and GS-relative (percpu)
// operands do not get it. It is the floor of a memory increment on such a
// core, which a per-CPU access, one assembly call, cannot approach.
func BenchmarkPlainPtr(b *testing.B) {
	benchOnCPU(b, func() {
		plainPtrLoop(&plainSlots[0].n, b.N)
	})
}

//go:noinline
func plainPtrLoop(p *uint64, iters int) {
	for i := 0; i < iters; i++ {
		*p++
	}
}

// The accessors one by one, on one CPU.

func BenchmarkAdd(b *testing.B) {
	benchOnCPU(b, func() {
		for i := 0; i < b.N; i++ {
			Add(vCounter, 1)
		}
	})
}

func BenchmarkAdd32(b *testing.B) {
	benchOnCPU(b, func() {
		for i := 0; i < b.N; i++ {
			Add(vU32, 1)
		}
	})
}

func BenchmarkRead(b *testing.B) {
	benchOnCPU(b, func() {
		var sum uint64
		for i := 0; i < b.N; i++ {
			sum += vU64.Read()
		}
		sinkU64 = sum
	})
}

func BenchmarkWrite(b *testing.B) {
	benchOnCPU(b, func() {
		for i := 0; i < b.N; i++ {
			vU64.Write(uint64(i))
		}
	})
}

func BenchmarkWith(b *testing.B) {
	benchOnCPU(b, func() {
		for i := 0; i < b.N; i++ {
			vCounter.With(func(p *uint64) { *p++ })
		}
	})
}

func BenchmarkRawPtr(b *testing.B) {
	benchOnCPU(b, func() {
		var sum uintptr
		for i := 0; i < b.N; i++ {
			sum += uintptr(unsafe.Pointer(vCounter.RawPtr()))
		}
		sinkU64 = uint64(sum)
	})
}

func BenchmarkCPU(b *testing.B) {
	benchOnCPU(b, func() {
		var sum int
		for i := 0; i < b.N; i++ {
			sum += CPU()
		}
		sinkU64 = uint64(sum)
	})
}
