// Go tests inside the kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago

package kerneltest

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/tamago-smp/kernel/linker"
	"github.com/tamago-smp/kernel/percpu"
)

// OnEachCPU runs f once on each of the CPUs 0..n-1 at once, pinned to it
// (f must not block: no locks that another call may hold, such as those of
// a testing.T, no channel operations), with the CPU's register pointing at area cpu of the
// areas as they are now, and restored afterwards; it fails naming the CPUs
// where f did not run.
//
// Unlike boot.OnEachCPU it tells the CPUs apart by the register values
// Start saw, not by the area header the register points at: a test may
// have re-initialized the areas elsewhere (percpu.Init at its own memory),
// which leaves every register pointing at memory that is no longer an area.
func OnEachCPU(n int, f func(cpu int)) error {
	if n > len(online) {
		return fmt.Errorf("kerneltest: OnEachCPU(%d) with %d CPUs online", n, len(online))
	}
	return onCPUs(len(online), 0, n, f)
}

// InTurn runs f on each of the CPUs 0..n-1 in turn, pinned to it as
// OnEachCPU does, and fails naming the first CPU where f did not run. One
// call at a time, f may use a testing.T: its lock is never contended by
// another pinned call (which would park a pinned goroutine: a fatal
// "schedule: holding locks").
func InTurn(n int, f func(cpu int)) error {
	if n > len(online) {
		return fmt.Errorf("kerneltest: InTurn(%d) with %d CPUs online", n, len(online))
	}
	for cpu := 0; cpu < n; cpu++ {
		if err := onCPUs(len(online), cpu, cpu+1, f); err != nil {
			return err
		}
	}
	return nil
}

// OnCPU runs f on CPU cpu as OnEachCPU does, and waits for it; it panics
// if cpu is not online.
func OnCPU(cpu int, f func()) {
	if cpu >= len(online) {
		panic(fmt.Sprintf("kerneltest: OnCPU(%d) with %d CPUs online", cpu, len(online)))
	}
	if err := onCPUs(len(online), cpu, cpu+1, func(int) { f() }); err != nil {
		panic(err)
	}
}

// onCPUs runs f once on each of the CPUs lo..hi-1 at once, pinned, from g
// goroutines that claim them: each pins itself, looks at the CPU it runs
// on, and runs f there if that CPU is still unclaimed, or else unpins and
// yields so that another CPU's scheduler can steal it.
func onCPUs(g, lo, hi int, f func(cpu int)) error {
	var claimed [linker.MaxCPUs]atomic.Bool
	var remaining atomic.Int32

	deadline := time.Now().Add(onlineTimeout)
	done := make(chan struct{}, g)
	remaining.Store(int32(hi - lo))

	for i := 0; i < g; i++ {
		go func() {
			defer func() { done <- struct{}{} }()

			for remaining.Load() > 0 && time.Now().Before(deadline) {
				percpu.Pin()
				saved := percpu.ReadReg()

				if cpu, ok := bases[saved]; ok && cpu >= lo && cpu < hi && claimed[cpu].CompareAndSwap(false, true) {
					percpu.InitReg(cpu)
					f(cpu)
					percpu.WriteReg(saved)
					percpu.Unpin()
					remaining.Add(-1)
					return
				}

				percpu.Unpin()
				runtime.Gosched()
			}
		}()
	}

	for i := 0; i < g; i++ {
		<-done
	}

	var missed []int
	for cpu := lo; cpu < hi; cpu++ {
		if !claimed[cpu].Load() {
			missed = append(missed, cpu)
		}
	}
	if len(missed) > 0 {
		return fmt.Errorf("kerneltest: no call on CPUs %v within %v", missed, onlineTimeout)
	}

	return nil
}
