// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu

import (
	"sync"
	"sync/atomic"
	"testing"
)

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

var (
	sinkU64 uint64
	global  uint64
	shared  atomic.Uint64
	mu      sync.Mutex
)

func BenchmarkAdd(b *testing.B) {
	benchOnCPU(b, func() {
		for i := 0; i < b.N; i++ {
			Add(vCounter, 1)
		}
	})
}

func BenchmarkRead(b *testing.B) {
	benchOnCPU(b, func() {
		for i := 0; i < b.N; i++ {
			sinkU64 += vU64.Read()
		}
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
		p := vCounter.RawPtr() // the thread is locked: the pointer stays this CPU's
		for i := 0; i < b.N; i++ {
			*p++
		}
	})
}

func BenchmarkGlobalAdd(b *testing.B) {
	for i := 0; i < b.N; i++ {
		global++
	}
}

func BenchmarkAtomicAdd(b *testing.B) {
	for i := 0; i < b.N; i++ {
		shared.Add(1)
	}
}

func BenchmarkMutexAdd(b *testing.B) {
	for i := 0; i < b.N; i++ {
		mu.Lock()
		global++
		mu.Unlock()
	}
}
