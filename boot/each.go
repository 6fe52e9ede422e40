// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package boot

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"time"
	_ "unsafe"

	"github.com/tamago-smp/kernel/percpu"
)

//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()

// OnEachCPU runs f once on each of the CPUs 0..n-1, concurrently, and waits
// up to timeout for every call to return. It returns the ids of the CPUs
// where f did not run in time.
//
// Each call runs pinned to its CPU with preemption disabled, like Linux's
// on_each_cpu: percpu.CPU() == cpu for the whole call. f must therefore not
// block (no channel operations, locks, sleeps or output); busy-waiting for
// the other CPUs is allowed but must be bounded, since a pinned goroutine
// also holds off the garbage collector's stop-the-world.
//
// Placement works by claiming: n goroutines repeatedly pin themselves, read
// their CPU id and run f if that CPU is still unclaimed, otherwise unpin and
// yield so that the scheduler of another CPU can steal them.
func OnEachCPU(n int, timeout time.Duration, f func(cpu int)) (missed []int) {
	if n > MaxCPUs {
		panic(fmt.Sprintf("boot: OnEachCPU for %d CPUs, limit %d", n, MaxCPUs))
	}

	var claimed [MaxCPUs]atomic.Bool
	var remaining atomic.Int32

	deadline := time.Now().Add(timeout)
	done := make(chan struct{}, n)
	remaining.Store(int32(n))

	for i := 0; i < n; i++ {
		go func() {
			defer func() { done <- struct{}{} }()

			for remaining.Load() > 0 && time.Now().Before(deadline) {
				procPin()
				cpu := percpu.CPU()

				if cpu < n && claimed[cpu].CompareAndSwap(false, true) {
					f(cpu)
					procUnpin()
					remaining.Add(-1)
					return
				}

				procUnpin()
				runtime.Gosched()
			}
		}()
	}

	for i := 0; i < n; i++ {
		<-done
	}

	for cpu := 0; cpu < n; cpu++ {
		if !claimed[cpu].Load() {
			missed = append(missed, cpu)
		}
	}

	return
}
