// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu

import (
	"testing"
	"unsafe"
)

// Host benchmarks of one accessor each, on one CPU. The side-by-side
// comparison of the operations that make bench runs,
// BenchmarkOps, is in bench_ops_test.go.
//
// A host "CPU" is a goroutine locked to its OS thread whose GS base points at
// the area of that CPU (InitReg), as in the stress tests: the per-CPU
// accessors run the same GS-relative assembly as the x86_64 kernel.

// benchOnCPU runs the benchmark body as CPU 0 (on linux/amd64, a locked
// thread with its GS base set).
func benchOnCPU(b *testing.B, body func()) {
	fresh(b)
	done := make(chan struct{})

	go func() {
		defer close(done)
		defer keepReg()() // inside the kernel: the real CPU's register
		InitReg(0)
		b.ResetTimer()
		body()
	}()

	<-done
}

var sinkU64 uint64

// plainPtrSlot is the counter of BenchmarkPlainPtr, padded as the plain
// slots of BenchmarkOps are.
var plainPtrSlot struct {
	n uint64
	_ [56]byte
}

// BenchmarkPlainPtr is plain through a pointer held in a register (INCQ
// 0(AX), the loop bound in a register too): the same memory increment as
// plain, which AMD Zen cores can run at about one per cycle, because their
// memory renaming forwards a store to the next load of the same
// register-addressed location. RIP-relative (plain) and GS-relative (percpu)
// operands do not get it. It is the floor of a memory increment on such a
// core, which a per-CPU access, one assembly call, cannot approach.
func BenchmarkPlainPtr(b *testing.B) {
	benchOnCPU(b, func() {
		plainPtrLoop(&plainPtrSlot.n, b.N)
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
