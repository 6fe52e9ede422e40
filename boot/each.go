// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package boot

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"time"

	"github.com/tamago-smp/kernel/arch"
	"github.com/tamago-smp/kernel/percpu"
)

// thisCPU returns the logical id of the CPU running the caller, pinned; a
// variable so that host tests, which have no CPUs, can stand in for it.
var thisCPU = percpu.CPU

// patience is how long the placed calls of [OnEachCPU] wait for the next
// call to be placed before one of them makes a goroutine (see gate.wait):
// four of the longest rests.
const patience = 4 * arch.IdleMax

// EachError is the error of [OnEachCPU] when f did not run to completion on
// every CPU asked for.
type EachError struct {
	// NotStarted lists the CPUs where f had not started by the
	// deadline: all of them when a CPU was not reached, since f
	// starts on none before every CPU was reached.
	NotStarted []int
	// Unreached lists the CPUs that no goroutine reached by the
	// deadline: each was running pinned code, or code that does not
	// yield, the whole time.
	Unreached []int
	// NotReturned lists the CPUs where f started but had not returned
	// by the deadline. OnEachCPU cannot stop f: it is still running
	// there, pinned.
	NotReturned []int
	// Timeout is the deadline OnEachCPU was given.
	Timeout time.Duration
}

// Error lists the CPUs where f did not start, those not reached, and those
// where f did not return.
func (e *EachError) Error() string {
	return fmt.Sprintf("boot: OnEachCPU within %v: f did not start on cpus %v (not reached: %v), did not return on cpus %v", e.Timeout, e.NotStarted, e.Unreached, e.NotReturned)
}

// OnEachCPU runs f once on each CPU of cpus, all at once, and waits up to
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
// Placement: goroutines, four per CPU, yield from CPU to CPU until one is
// pinned on each CPU of cpus; only then do the calls start, together, so
// that f may wait for the other CPUs. A CPU is reached as soon as it takes
// a goroutine from the run queues, so every CPU that is not running pinned
// code, or code that does not yield (TamaGo's scheduler preempts on no
// timer), is reached. The placed goroutines rest their CPUs (the board's
// idle hook) while they wait, and step out, unpinned, when the runtime asks
// them to stop. The garbage collector, which needs the CPUs they hold, is
// held off (debug.SetGCPercent(-1)) from the start of the call to its end,
// after the cycle in progress, if any, finished marking; a cycle forced
// meanwhile (runtime.GC) still runs, and a debug.SetGCPercent made
// meanwhile is undone when the call ends. Calls run one at a time: a call
// waits for the one running, within its own timeout.
func OnEachCPU(cpus []int, timeout time.Duration, f func(cpu int)) error {
	on := Online()
	if cpus == nil {
		cpus = on
	}

	c := &call{f: f, all: make(chan struct{})}

	for _, cpu := range cpus {
		switch {
		case cpu < 0 || cpu >= MaxCPUs:
			return fmt.Errorf("boot: OnEachCPU: cpu %d outside 0..%d", cpu, MaxCPUs-1)
		case c.want[cpu].Load():
			return fmt.Errorf("boot: OnEachCPU: cpu %d listed twice", cpu)
		case !slices.Contains(on, cpu):
			return fmt.Errorf("boot: OnEachCPU: cpu %d is not online (online: %v)", cpu, on)
		}
		c.want[cpu].Store(true)
	}

	n := len(cpus)
	if n == 0 {
		return nil
	}

	c.gate = gate{n: int32(n), start: time.Now(), timeout: timeout}
	c.remaining.Store(int32(n))
	timer := time.NewTimer(timeout)
	defer timer.Stop()

	// one call at a time: two, each holding some CPUs in its gate, could
	// wait for each other
	select {
	case running <- struct{}{}:
		defer func() { <-running }()
	case <-timer.C:
		return &EachError{NotStarted: cpus, Timeout: timeout}
	}

	percent := debug.SetGCPercent(-1)
	defer debug.SetGCPercent(percent)

	// Enough runnable goroutines keep all Ps busy (a busy P is a
	// running M, that is a CPU taking goroutines from the run queues).
	work := c.work
	for range 4 * n {
		go work()
	}

	select {
	case <-c.all:
		return nil
	case <-timer.C:
	}

	var e EachError
	for _, cpu := range cpus {
		switch {
		case !c.returned[cpu].Load() && !c.open():
			e.NotStarted = append(e.NotStarted, cpu)
			if !c.reached[cpu].Load() {
				e.Unreached = append(e.Unreached, cpu)
			}
		case !c.returned[cpu].Load():
			e.NotReturned = append(e.NotReturned, cpu)
		}
	}

	if e.NotStarted == nil && e.NotReturned == nil {
		return nil // the last call returned as the timer fired
	}

	e.Timeout = timeout
	return &e
}

// call is one [OnEachCPU]: what its goroutines share, allocated once, and
// left to those still running when it returns.
type call struct {
	gate
	f         func(cpu int)
	want      [MaxCPUs]atomic.Bool // the CPUs asked for
	reached   [MaxCPUs]atomic.Bool // a goroutine ran there
	claimed   [MaxCPUs]atomic.Bool // a goroutine holds the CPU's call
	returned  [MaxCPUs]atomic.Bool
	remaining atomic.Int32  // calls not returned
	all       chan struct{} // closed when remaining reaches 0
}

// work claims the call of each wanted CPU it lands on, until every call
// returned or the deadline passed, yielding in between. Where it has
// nothing left to do it rests the CPU first (the board's idle hook), which
// under emulation leaves the host's time to the CPUs still to be reached.
func (c *call) work() {
	for c.remaining.Load() > 0 && time.Since(c.start) < c.timeout {
		percpu.Pin()
		cpu := thisCPU()
		mine := cpu >= 0 && cpu < MaxCPUs && c.want[cpu].Load()
		last := false

		if mine {
			c.reached[cpu].Store(true)
		}
		if mine && c.claimed[cpu].CompareAndSwap(false, true) {
			if c.hold(cpu) {
				c.f(cpu)
				c.returned[cpu].Store(true)
				last = c.remaining.Add(-1) == 0
			} else {
				c.claimed[cpu].Store(false)
			}
		}

		percpu.Unpin()

		if last {
			close(c.all)
		} else if !mine || c.returned[cpu].Load() {
			rest()
		}
		runtime.Gosched()
	}
}

// OnCPU runs f on the CPU cpu as [OnEachCPU] does, pinned there, and waits
// up to timeout for it to return.
func OnCPU(cpu int, timeout time.Duration, f func()) error {
	return OnEachCPU([]int{cpu}, timeout, func(int) { f() })
}

// running holds a token while an [OnEachCPU] call runs.
var running = make(chan struct{}, 1)

// gate holds the calls of one [OnEachCPU], each pinned on its CPU, until
// all n of them are placed.
type gate struct {
	n       int32
	start   time.Time
	timeout time.Duration
	in      atomic.Int32 // calls placed and waiting; n: open, for good
	last    atomic.Int64 // time of the last arrival, ns since start
}

// open tells whether every call was placed.
func (g *gate) open() bool {
	return g.in.Load() == g.n
}

// hold keeps the caller, pinned on cpu, in g until g opens (true). When
// the runtime asks the caller to stop, it steps out for one rest of its
// CPU, unpinned, where the runtime preempts it; it reports false when that
// moved it off cpu or the deadline passed, pinned still.
func (g *gate) hold(cpu int) bool {
	for !g.wait() {
		percpu.Unpin()
		rest()
		percpu.Pin()

		if thisCPU() != cpu || time.Since(g.start) > g.timeout {
			return false
		}
	}
	return true
}

// wait places the pinned caller in g and waits for the others, resting its
// CPU. It reports whether g opened; false means that the runtime asked the
// caller to stop ([stopAsked]: a stop-the-world or a stack scan, which a
// pinned goroutine holds off) or the deadline passed, and that the caller
// left g.
//
// While no call arrives it makes a goroutine every [patience]: the runtime
// then hands an idle P, if there is one, to a CPU without one
// (runtime.wakep, from newproc). After a stop-the-world that is how a CPU
// whose M lost its P gets one back, and the CPUs in g do not enter the
// scheduler, where the runtime would otherwise do it.
func (g *gate) wait() bool {
	g.last.Store(int64(time.Since(g.start)))

	if g.in.Add(1) == g.n {
		return true
	}

	for stop := false; ; {
		stop = stop || stopAsked() // first: a call may clear the request
		in := g.in.Load()
		if in == g.n {
			return true
		}

		now := time.Since(g.start)
		if stop || now > g.timeout {
			if g.in.CompareAndSwap(in, in-1) {
				return false
			}
			continue
		}

		if last := time.Duration(g.last.Load()); now-last > patience && g.last.CompareAndSwap(int64(last), int64(now)) {
			go func() {}()
		}

		rest()
	}
}
