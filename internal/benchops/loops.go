// Per-CPU access benchmark operations
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package benchops

import (
	"sync/atomic"

	"github.com/tamago-smp/kernel/percpu"
)

// The loops of the operations are named functions (<op>Loop), so that
// `go tool qemu bench` can find them in the ELF of the benchmark kernel and
// warn when one crosses a 4 KiB page: under TCG a translation block ends at
// a page boundary and a jump to another page is not chained, which adds a
// hash-table lookup to every iteration of a loop that crosses one (see
// docs/BENCH.md).

func percpuLoop(cpu, iters int) {
	for i := 0; i < iters; i++ {
		percpu.Add(Counter, 1)
	}
}

func percpuDynLoop(cpu, iters int) {
	for i := 0; i < iters; i++ {
		percpu.Add(dynVar, 1)
	}
}

func counterLoop(cpu, iters int) {
	for i := 0; i < iters; i++ {
		dynCounter.Add(1)
	}
}

// counterSumSink keeps the sums of counterSumLoop alive.
var counterSumSink atomic.Int64

func counterSumLoop(cpu, iters int) {
	var s int64
	for i := 0; i < iters; i++ {
		s += dynCounter.Sum()
	}
	counterSumSink.Store(s)
	opSlots[cpu].n += uint64(iters)
}

func allocFreeLoop(cpu, iters int) {
	for i := 0; i < iters; i++ {
		v, err := percpu.Alloc[uint64](0)
		if err == nil {
			err = percpu.Free(v)
		}
		if err != nil {
			opErr.CompareAndSwap(nil, &err)
			return
		}
	}
	opSlots[cpu].n += uint64(iters)
}

// percpuRawLoop is the raw tier as it is meant to be used: the caller is
// pinned, so the CPU's slot is looked up once and the hot loop is a plain
// memory increment.
func percpuRawLoop(cpu, iters int) {
	p := Counter.RawPtr()
	for i := 0; i < iters; i++ {
		*p += 1
	}
}

func atomicLoop(cpu, iters int) {
	for i := 0; i < iters; i++ {
		sharedAtomic.n.Add(1)
	}
}

func mutexLoop(cpu, iters int) {
	for i := 0; i < iters; i++ {
		sharedMutex.mu.Lock()
		sharedMutex.n++
		sharedMutex.mu.Unlock()
	}
}

func perpLoop(cpu, iters int) {
	for i := 0; i < iters; i++ {
		pid := percpu.Pin()
		perpSlots[pid].n++
		percpu.Unpin()
	}
}

// plainLoop increments CPU cpu's plain global iters times. Each case names
// its slot with a constant index, so that the increment is one instruction
// with a global memory operand (on x86 a RIP-relative INCQ
// plainSlots+64*cpu(SB)), as a Go global++ is. CPUs 8 and up go through a
// pointer in a register, which AMD Zen cores rename: see BenchmarkPlainPtr
// (percpu/bench_test.go) and docs/BENCH.md.
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
