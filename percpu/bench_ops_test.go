// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tamago-smp/kernel/internal/benchops"
	"github.com/tamago-smp/kernel/internal/kerneltest"
	"github.com/tamago-smp/kernel/percpu"
)

// BenchmarkOps is the side-by-side comparison that make bench runs on the
// host and hands to benchstat with the kernel's (sub-benchmarks
// op=<name>/cpus=<n>, as kernel/bench prints them): the operations
// of package benchops, which kernel/bench runs on every CPU of a kernel.
// (It is an external test because benchops imports percpu; the benchmarks of
// one accessor each are in bench_test.go.)
//
// A host "CPU" is a goroutine locked to its OS thread whose GS base points at
// the area of that CPU (InitReg), as in the stress tests: the per-CPU
// operations run the same GS-relative assembly as the x86_64 kernel. The
// areas are those TestMain initialized.
//
// ns/op with n CPUs is the wall time from the moment all n CPUs are released
// together until the last one finishes, divided by the total number of
// operations of all CPUs (b.N), as testing.B.RunParallel defines it: with
// perfect scaling it is the 1-CPU figure divided by n.
func BenchmarkOps(b *testing.B) {
	for _, op := range benchops.Ops {
		for _, n := range benchCPUCounts() {
			b.Run(fmt.Sprintf("op=%s/cpus=%d", op.Name, n), func(b *testing.B) {
				runOnCPUs(b, n, op)
			})
		}
	}
}

// benchCPUCounts returns the CPU counts of BenchmarkOps: 1 and all CPUs
// (runtime.NumCPU, at most the number of areas and benchops.MaxCPUs). Where
// threads are not CPUs only 1: threads are CPUs only on linux/amd64, where
// each has its own GS base, and not in percpu_naive builds (register
// "none").
func benchCPUCounts() []int {
	threadCPUs := runtime.GOOS == "linux" && percpu.RegName() == "gs_base"
	all := min(runtime.NumCPU(), percpu.AreaNum(), benchops.MaxCPUs)

	if kerneltest.OnKernel { // the real CPUs
		threadCPUs, all = true, kerneltest.CPUs(min(percpu.AreaNum(), benchops.MaxCPUs))
	}

	if !threadCPUs || all < 2 {
		return []int{1}
	}

	return []int{1, all}
}

// runOnCPUs runs b.N operations op on n CPUs: n goroutines, each locked to
// its thread and registered as CPU cpu, do b.N/n operations each (the first
// b.N%n one more). The timer runs from the release of all of them to the
// end of the last; the counters are checked afterwards.
func runOnCPUs(b *testing.B, n int, op benchops.Op) {
	if gmp := runtime.GOMAXPROCS(0); gmp < n {
		b.Fatalf("GOMAXPROCS=%d, want at least %d for %d CPUs", gmp, n, n)
	}

	op.Reset()

	if kerneltest.OnKernel {
		runOnKernelCPUs(b, n, op)
		return
	}

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

			percpu.InitReg(cpu) // locks the goroutine to its thread: CPU cpu
			ready.Done()
			<-start

			op.Run(cpu, iters)
		}()
	}

	ready.Wait()
	b.ResetTimer()
	close(start)
	done.Wait()
	b.StopTimer()

	if err := op.Check(n, uint64(b.N)); err != nil {
		b.Fatalf("%s with %d CPUs, %d operations: %v", op.Name, n, b.N, err)
	}
}

// TestOps runs every operation of BenchmarkOps on several CPUs, one after
// the other (onCPU), and checks that it counts exactly the operations done,
// that a count off by one is reported, and that Reset zeroes the counters.
// The benchmarks only check their counts when they run (-bench).
func TestOps(t *testing.T) {
	n := kerneltest.CPUs(min(percpu.AreaNum(), 9)) // 9: the default case of the plain loop too
	const iters = 1000

	seen := map[string]bool{}

	for _, op := range benchops.Ops {
		if op.Name == "" || seen[op.Name] {
			t.Errorf("operation name %q empty or repeated", op.Name)
		}
		seen[op.Name] = true

		op.Reset()
		for cpu := 0; cpu < n; cpu++ {
			onCPU(cpu, func() { op.Run(cpu, iters) })
		}

		total := uint64(n * iters)
		if err := op.Check(n, total); err != nil {
			t.Errorf("%s on %d CPUs: %v", op.Name, n, err)
		}

		err := op.Check(n, total+1)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("want %d operations", total+1)) {
			t.Errorf("%s: Check(%d, %d) = %v, want an error naming the count", op.Name, n, total+1, err)
		}

		op.Reset()
		if err := op.Check(n, 0); err != nil {
			t.Errorf("%s after Reset: %v", op.Name, err)
		}
	}
}

// runOnKernelCPUs is runOnCPUs inside the kernel: the n real CPUs, each
// pinned (kerneltest.OnEachCPU), wait for one another spinning, then do
// their share of the b.N operations.
func runOnKernelCPUs(b *testing.B, n int, op benchops.Op) {
	var arrived atomic.Int32

	b.ResetTimer()
	err := kerneltest.OnEachCPU(n, func(cpu int) {
		arrived.Add(1)
		for arrived.Load() < int32(n) {
		}

		iters := b.N / n
		if cpu < b.N%n {
			iters++
		}
		op.Run(cpu, iters)
	})
	b.StopTimer()

	if err != nil {
		b.Fatal(err)
	}
	if err := op.Check(n, uint64(b.N)); err != nil {
		b.Fatalf("%s with %d CPUs, %d operations: %v", op.Name, n, b.N, err)
	}
}
