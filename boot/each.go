// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package boot

import (
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/tamago-smp/kernel/percpu"
)

// thisCPU returns the logical id of the CPU running the caller, pinned; a
// variable so that host tests, which have no CPUs, can stand in for it.
var thisCPU = percpu.CPU

// EachError is the error of [OnEachCPU] when f did not run to completion on
// every CPU asked for.
type EachError struct {
	// NotStarted lists the CPUs where f had not started by the
	// deadline: no goroutine reached them.
	NotStarted []int
	// NotReturned lists the CPUs where f started but had not returned
	// by the deadline. OnEachCPU cannot stop f: it is still running
	// there, pinned.
	NotReturned []int
	// Timeout is the deadline OnEachCPU was given.
	Timeout time.Duration
}

// Error lists the CPUs where f did not start and those where it did not
// return.
func (e *EachError) Error() string {
	return fmt.Sprintf("boot: OnEachCPU within %v: f did not start on cpus %v, did not return on cpus %v", e.Timeout, e.NotStarted, e.NotReturned)
}

// OnEachCPU runs f once on each CPU of cpus, concurrently, and waits up to
// timeout for every call to return. A nil cpus means the online set
// ([Online]). It returns nil when every call returned in time, an
// [*EachError] listing the CPUs where f did not start and those where it
// did not return by the deadline, or an error naming a CPU id that is
// negative, out of range, duplicated or not online.
//
// What it bounds: OnEachCPU itself returns by the deadline, whatever f
// does. It cannot stop f: a call that has not returned keeps running, pinned
// to its CPU, after OnEachCPU returned (and holds off the garbage
// collector's stop-the-world until it does).
//
// Each call runs pinned to its CPU with preemption disabled, like Linux's
// on_each_cpu: percpu.CPU() == cpu for the whole call. f must therefore not
// block (no channel operations, locks, sleeps or output); busy-waiting for
// the other CPUs is allowed but must be bounded. That rules out fmt too:
// its printer cache is a sync.Pool, whose first use after a garbage
// collection takes a sync.Mutex, and a pinned goroutine that blocks stops
// the runtime with "fatal error: schedule: holding locks". Record values in
// f and format them after OnEachCPU returns.
//
// Placement works by claiming: goroutines pin themselves, read their CPU id
// and run f if that CPU is wanted and still unclaimed, then yield so that
// the scheduler of another CPU can steal them, until every call ran.
func OnEachCPU(cpus []int, timeout time.Duration, f func(cpu int)) error {
	on := Online()
	if cpus == nil {
		cpus = on
	}

	var want, claimed, returned [MaxCPUs]atomic.Bool

	for _, cpu := range cpus {
		switch {
		case cpu < 0 || cpu >= MaxCPUs:
			return fmt.Errorf("boot: OnEachCPU: cpu %d outside 0..%d", cpu, MaxCPUs-1)
		case want[cpu].Load():
			return fmt.Errorf("boot: OnEachCPU: cpu %d listed twice", cpu)
		case !slices.Contains(on, cpu):
			return fmt.Errorf("boot: OnEachCPU: cpu %d is not online (online: %v)", cpu, on)
		}
		want[cpu].Store(true)
	}

	n := len(cpus)
	if n == 0 {
		return nil
	}

	var remaining atomic.Int32
	remaining.Store(int32(n))
	deadline := time.Now().Add(timeout)

	// Four goroutines per CPU keep yielding until every call has run,
	// even after they ran their own: enough runnable goroutines keep all
	// Ps busy (a busy P is a running M, that is a CPU taking goroutines
	// from the run queues) and fill the local run queues that idle CPUs
	// steal from. A goroutine that lands on a CPU with nothing left to do
	// rests it first (the board's idle hook), which under emulation
	// leaves the host's time to the CPUs still waiting for a call.
	g := 4 * n
	done := make(chan struct{}, g)

	for i := 0; i < g; i++ {
		go func() {
			for remaining.Load() > 0 && time.Now().Before(deadline) {
				percpu.Pin()
				cpu := thisCPU()
				mine := cpu >= 0 && cpu < MaxCPUs && want[cpu].Load()

				if mine && claimed[cpu].CompareAndSwap(false, true) {
					f(cpu)
					returned[cpu].Store(true)
					remaining.Add(-1)
				}

				percpu.Unpin()

				if !mine || returned[cpu].Load() {
					rest()
				}
				runtime.Gosched()
			}

			done <- struct{}{}
		}()
	}

	// every goroutine ends by the deadline unless f holds it: wait for
	// them, but never past the deadline plus the time one yield takes
	timer := time.NewTimer(time.Until(deadline) + 10*time.Millisecond)
	defer timer.Stop()

wait:
	for i := 0; i < g; i++ {
		select {
		case <-done:
		case <-timer.C:
			break wait
		}
	}

	var e EachError
	for _, cpu := range cpus {
		switch {
		case !claimed[cpu].Load():
			e.NotStarted = append(e.NotStarted, cpu)
		case !returned[cpu].Load():
			e.NotReturned = append(e.NotReturned, cpu)
		}
	}

	if e.NotStarted == nil && e.NotReturned == nil {
		return nil
	}

	e.Timeout = timeout
	return &e
}
