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

	"github.com/tamago-smp/kernel/arch"
	"github.com/tamago-smp/kernel/percpu"
)

// thisCPU returns the logical id of the online CPU running the caller
// (pinned, or on the scheduler's stack), -1 if none; a variable so that host
// tests, which have no CPUs, can stand in for it.
var thisCPU = func() int { return cpuOf(percpu.ReadReg()) }

// regs holds the register value of each online CPU as Start left it. The
// idle hook knows its CPU by it, not by the area header it points at: a test
// may re-initialize the areas elsewhere, which leaves every register
// pointing at memory that is no longer an area.
var regs atomic.Pointer[[MaxCPUs]uintptr]

// knowRegs records the registers of the online CPUs l.
func knowRegs(l []int) {
	var r [MaxCPUs]uintptr
	for _, cpu := range l {
		r[cpu] = percpu.AreaBase(cpu)
	}
	regs.Store(&r)
}

// cpuOf returns the logical id of the online CPU whose register holds reg,
// or -1.
func cpuOf(reg uintptr) int {
	if r := regs.Load(); r != nil && reg != 0 {
		for cpu, b := range r {
			if b == reg {
				return cpu
			}
		}
	}
	return -1
}

// EachError is the error of [OnEachCPU] when f did not run to completion on
// every CPU asked for.
type EachError struct {
	// NotStarted lists the CPUs where f had not started by the
	// deadline.
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

// roam is how long a goroutine waits to be taken by its CPU before its call
// starts kicking (see call.kick).
const roam = 2 * arch.IdleMax * time.Nanosecond

// A CPU takes the goroutines waiting for it: waiting[cpu] counts them and a
// send on take[cpu], made on cpu, makes one of them runnable there.
var (
	waiting [MaxCPUs]atomic.Int32
	take    [MaxCPUs]chan struct{}
)

func init() {
	for i := range take {
		take[i] = make(chan struct{})
	}
}

// deliver makes a goroutine waiting for the calling CPU runnable on it, and
// reports whether one waits. The receiver lands in the next slot of this
// CPU's run queue (runtime.ready), so this CPU runs it as soon as it next
// schedules. It never blocks: the board's idle hook calls it (see idle), on
// the scheduler's own stack.
func deliver() bool {
	cpu := thisCPU()
	if cpu < 0 || cpu >= MaxCPUs || waiting[cpu].Load() == 0 {
		return false
	}
	select {
	case take[cpu] <- struct{}{}:
	default: // counted, not yet waiting: the caller comes back soon
	}
	return true
}

// idle wraps the board's idle hook (goos.Idle): a CPU with nothing to run
// first takes a goroutine waiting for it, and sleeps only if none waits.
func idle(board func(until int64)) func(until int64) {
	return func(until int64) {
		if !deliver() && board != nil {
			board(until)
		}
	}
}

// OnEachCPU runs f once on each CPU of cpus, concurrently, and waits up to
// timeout for every call to return. A nil cpus means the online set
// ([Online]). It returns nil when every call returned in time, an
// [*EachError] listing the CPUs where f did not start and those where it
// did not return by the deadline, or an error naming a CPU id that is
// negative, out of range, duplicated or not online.
//
// Each call runs pinned to its CPU, like Linux's on_each_cpu: percpu.CPU()
// == cpu for the whole call. f must therefore not block (no channel
// operations, locks, sleeps, or fmt, whose printer cache takes a lock);
// busy-waiting for the other CPUs is allowed but must be bounded. OnEachCPU
// returns by the deadline whatever f does; a call that has not returned
// keeps running, pinned, and holds off the garbage collector until it does.
//
// Placement: a goroutine per CPU waits until that CPU takes it, as an idle
// CPU does from its scheduler (the board's idle hook, at least every
// millisecond) and a busy one when it runs a goroutine of the call. A CPU
// that a garbage collection left without a P runs no idle hook: after 2 ms
// without every call started, goroutines that only yield keep every CPU
// busy until the runtime hands out the idle Ps. f cannot start on a CPU
// that runs pinned code or never yields.
func OnEachCPU(cpus []int, timeout time.Duration, f func(cpu int)) error {
	on := Online()
	if cpus == nil {
		cpus = on
	}

	var want [MaxCPUs]bool
	for _, cpu := range cpus {
		switch {
		case cpu < 0 || cpu >= MaxCPUs:
			return fmt.Errorf("boot: OnEachCPU: cpu %d outside 0..%d", cpu, MaxCPUs-1)
		case want[cpu]:
			return fmt.Errorf("boot: OnEachCPU: cpu %d listed twice", cpu)
		case !slices.Contains(on, cpu):
			return fmt.Errorf("boot: OnEachCPU: cpu %d is not online (online: %v)", cpu, on)
		}
		want[cpu] = true
	}

	c := &call{stop: make(chan struct{}), kicks: len(on)}
	c.waiting.Store(int32(len(cpus)))
	done := make(chan struct{}, len(cpus))

	for _, cpu := range cpus {
		go func() {
			if c.onCPU(cpu) {
				f(cpu)
				c.returned[cpu].Store(true)
				percpu.Unpin()
			}
			done <- struct{}{}
		}()
	}

	timer := time.NewTimer(timeout)
	defer timer.Stop()

	left := len(cpus)
	for ; left > 0; left-- {
		select {
		case <-done:
			continue
		case <-timer.C:
		}
		break
	}

	var e EachError
	if left > 0 {
		// the goroutines still waiting give up at once
		close(c.stop)
		for _, cpu := range cpus {
			if c.state[cpu].CompareAndSwap(0, 2) {
				e.NotStarted = append(e.NotStarted, cpu)
			} else if !c.returned[cpu].Load() {
				e.NotReturned = append(e.NotReturned, cpu)
			}
		}
		for range left - len(e.NotReturned) {
			<-done
		}
	}

	if e.NotStarted == nil && e.NotReturned == nil {
		return nil
	}

	e.Timeout = timeout
	return &e
}

// A call is one OnEachCPU.
type call struct {
	// state[cpu]: 0 waiting for the CPU, 1 f started, 2 gave up
	state    [MaxCPUs]atomic.Int32
	returned [MaxCPUs]atomic.Bool
	// waiting counts the CPUs where f has not started.
	waiting atomic.Int32
	// kicked is set once the call started its kick goroutines, kicks.
	kicked atomic.Bool
	kicks  int
	// stop is closed when the call gives up.
	stop chan struct{}
}

// onCPU moves the calling goroutine onto cpu and pins it there, then marks
// f started and reports true; it reports false when the call gave up.
func (c *call) onCPU(cpu int) bool {
	var t *time.Timer

	for i := 0; c.state[cpu].Load() == 0; i++ {
		percpu.Pin()
		if thisCPU() == cpu {
			if c.state[cpu].CompareAndSwap(0, 1) {
				c.waiting.Add(-1)
				return true
			}
			percpu.Unpin()
			break
		}
		if i == 0 {
			// yield once: another CPU may steal this goroutine
			percpu.Unpin()
			runtime.Gosched()
			continue
		}
		// Hand this CPU any goroutine waiting for it, then wait to be
		// taken by ours: it runs the taken goroutine next.
		waiting[cpu].Add(1)
		deliver()
		percpu.Unpin()

		if t == nil {
			t = time.NewTimer(roam)
			defer t.Stop()
		} else {
			t.Reset(roam)
		}

		select {
		case <-take[cpu]:
		case <-t.C:
			if c.kicked.CompareAndSwap(false, true) {
				for range c.kicks {
					go c.kick()
				}
			}
		case <-c.stop:
		}
		waiting[cpu].Add(-1)
	}
	return false
}

// kick yields, handing each CPU it passes through the goroutine waiting for
// it, until f started everywhere or the call gave up. Enough of them keep
// every CPU that has a P busy, so that none of them is left spinning for
// work (the runtime hands an idle P to a CPU only then: runtime.wakep).
func (c *call) kick() {
	for c.waiting.Load() > 0 {
		select {
		case <-c.stop:
			return
		default:
		}
		percpu.Pin()
		deliver()
		percpu.Unpin()
		runtime.Gosched()
	}
}
