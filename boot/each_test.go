// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package boot

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tamago-smp/kernel/percpu"
)

// TestIdleTakes: a goroutine waiting for CPU 1 is taken by CPU 1's idle hook,
// which then does not sleep, and only by CPU 1's.
func TestIdleTakes(t *testing.T) {
	if runtime.GOOS == "tamago" {
		t.Skip("stands in for the CPU ids of the host")
	}
	var cur atomic.Int32
	orig := thisCPU
	thisCPU = func() int { return int(cur.Load()) }
	t.Cleanup(func() { thisCPU = orig })

	slept := 0
	hook := idle(func(int64) { slept++ })

	on := make(chan bool)
	go func() {
		ok := (&call{}).onCPU(1)
		if ok {
			percpu.Unpin()
		}
		on <- ok
	}()

	// the goroutine runs on CPU 0: it waits for CPU 1
	for waiting[1].Load() == 0 {
		runtime.Gosched()
	}
	hook(0)
	if slept != 1 {
		t.Fatalf("CPU 0 idle: slept %d times, want 1 (nothing waits for CPU 0)", slept)
	}

	cur.Store(1)
	for {
		hook(0)
		select {
		case ok := <-on:
			if !ok || slept != 1 {
				t.Fatalf("onCPU(1) = %v, CPU 1 slept %d times; want true, 0", ok, slept-1)
			}
			return
		case <-time.After(time.Millisecond):
		}
	}
}

// TestOnCPUDeadline: a goroutine that no CPU takes gives up when told to.
func TestOnCPUDeadline(t *testing.T) {
	if runtime.GOOS == "tamago" {
		t.Skip("stands in for the CPU ids of the host")
	}
	orig := thisCPU
	thisCPU = func() int { return 0 }
	t.Cleanup(func() { thisCPU = orig })

	c := &call{stop: make(chan struct{})}
	time.AfterFunc(10*time.Millisecond, func() { c.state[1].Store(2); close(c.stop) })
	if c.onCPU(1) {
		t.Fatal("onCPU(1) on CPU 0 = true")
	}
	if n := waiting[1].Load(); n != 0 {
		t.Fatalf("waiting[1] = %d after the deadline, want 0", n)
	}
}
