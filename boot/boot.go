// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Package boot brings up the secondary CPUs of a TamaGo kernel so that each
// one runs a Go scheduler M with its per-CPU register pointing at its own
// area, whatever the ISA, and never gives the runtime a CPU that is not
// running.
//
// The boot story, on every ISA:
//
//  1. The boot CPU came out of its cpuinit with the per-CPU register already
//     pointing at area 0 of the linker region and ran the Go runtime up to
//     main. main initializes the areas ([percpu.InitInPlace]) and calls
//     Start (package console's Up does both, and prints the result).
//  2. [Start] checks CPU 0's register and reads the CPUs the machine
//     describes ([Port.CPUs]: ACPI MADT, MP table, FDT /cpus). The boot CPU
//     becomes logical CPU 0, the others 1..n-1 in the firmware's order;
//     [HWID] and [LogicalID] map between the two.
//  3. Phase one: the [Port] wakes every CPU at once into a park loop of its
//     own. Each sets its per-CPU register to its area, proves it runs by
//     marking itself parked, and waits. Start waits, bounded, for the
//     answers.
//  4. Phase two: Start installs goos.Task and raises GOMAXPROCS to the number
//     of CPUs that answered, no more. For each new M the runtime calls Task
//     (sp, mp, g0, mstart); Task hands the M to the next parked CPU
//     ([Port.Enter]), which sets its stack and g register, marks itself
//     online and jumps to mstart.
//  5. Start reports every CPU the machine describes that is not online, by
//     logical and hardware id and cause, and fails unless the boot was asked
//     to run degraded ([Options.Degraded], command line `boot.degraded`).
//
// Each CPU writes its own per-CPU register; nothing writes another CPU's.
//
// This package builds on every GOOS so that its bookkeeping can be tested on
// the host; [Start] needs GOOS=tamago (where the runtime calls goos.Task) and
// a registered [Port].
package boot

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/tamago-smp/kernel/linker"
	"github.com/tamago-smp/kernel/percpu"
)

// MaxCPUs bounds the logical CPU ids this package keeps state for: the
// kernel's capacity, [linker.MaxCPUs].
const MaxCPUs = linker.MaxCPUs

// DefaultTimeout is how long [Start] waits, after waking them, for the CPUs
// to answer when [Options.Timeout] is 0.
const DefaultTimeout = 5 * time.Second

// Errors reported by [Start].
var (
	ErrNoPort      = errors.New("boot: no Port registered (import a board package)")
	ErrStarted     = errors.New("boot: Start called twice")
	ErrRegister    = errors.New("boot: CPU 0 per-CPU register does not point at area 0")
	ErrCPUsMissing = errors.New("boot: not every CPU the machine describes came online")
)

// Options tune [Start]. The zero value brings up every CPU, strictly.
type Options struct {
	// Max caps the CPUs brought up, boot CPU included (0: all). The
	// others are left parked by request, which is not a failure. The
	// kernel command line `maxcpus=N` sets it too.
	Max int

	// Timeout bounds the wait for the woken CPUs to answer
	// (0: DefaultTimeout). The wait for the answered CPUs to enter the
	// scheduler, which depends on how fast the runtime creates its Ms,
	// is at least 10 s plus 2 s per CPU.
	Timeout time.Duration

	// Degraded makes Start carry on, without an error, when CPUs the
	// machine describes did not come online (still reported). The
	// kernel command line `boot.degraded` sets it too.
	Degraded bool

	// Skip lists logical CPUs not to wake, to see how the kernel
	// behaves when a CPU does not start. The kernel command line
	// `boot.skip=K[,K...]` adds to it.
	Skip []int

	// NoCmdline makes Start ignore the kernel command line.
	NoCmdline bool
}

// Report describes the outcome of [Start].
type Report struct {
	// HWIDName names the hardware ids ([Port.HWIDName]).
	HWIDName string

	// Present is the number of CPUs the machine describes, usable or
	// not.
	Present int

	// Areas is the number of per-CPU areas available.
	Areas int

	// Wanted is the number of logical CPUs Start tried to bring up.
	Wanted int

	// Online lists the logical ids of the CPUs that came online, CPU 0
	// included, in increasing order: the online set.
	Online []int

	// Failed lists the logical CPUs Start tried to bring up that are not
	// online.
	Failed []int

	// Parked counts the usable CPUs never woken: beyond Options.Max, the
	// areas or [MaxCPUs]. They have no logical id.
	Parked int

	// Unusable counts the CPUs the description marks unusable.
	Unusable int

	// Degraded is set when Start carried on without every CPU.
	Degraded bool

	// Problems has one line per CPU that is described but not online,
	// naming it by logical id (where it has one), hardware id and cause,
	// and one per group of CPUs left parked.
	Problems []string

	// Elapsed is the bring-up time, from the first wake-up to the last
	// CPU online.
	Elapsed time.Duration

	// Answered is the part of Elapsed until the last CPU woken answered
	// from its park loop (phase one: every CPU woken at once, each
	// running its trampoline in parallel). The rest of Elapsed is phase
	// two, the runtime starting one M per CPU, one after another.
	Answered time.Duration
}

var (
	port    Port
	started atomic.Bool

	// the logical <-> hardware map, written once by Start before any
	// secondary runs
	hwids []uint64

	// order lists the CPUs handed to Ms, in order; task takes the next.
	order   []int
	nextCPU atomic.Int32

	// entered marks the CPUs task handed an M
	entered [MaxCPUs]atomic.Bool

	// online is the online set, published by Start
	online atomic.Pointer[[]int]
)

// Register installs the ISA port; board packages call it from init.
func Register(p Port) {
	port = p
}

// HWIDName returns the name of the hardware ids of the registered port
// ("apic", "mpidr", "hart"), or "id" when none is registered.
func HWIDName() string {
	if port == nil {
		return "id"
	}
	return port.HWIDName()
}

// HWID returns the hardware id of logical CPU cpu (Linux
// cpu_logical_map), false if Start gave no CPU that id.
func HWID(cpu int) (uint64, bool) {
	if cpu < 0 || cpu >= len(hwids) {
		return 0, false
	}
	return hwids[cpu], true
}

// LogicalID returns the logical id of the CPU with hardware id hwid (Linux
// get_logical_index), false if Start gave it none.
func LogicalID(hwid uint64) (int, bool) {
	i := slices.Index(hwids, hwid)
	return i, i >= 0
}

// Online returns the online set: the logical ids of the CPUs that came
// online, in increasing order ([0] before [Start]). The caller may keep the
// slice but not modify it.
func Online() []int {
	if p := online.Load(); p != nil {
		return *p
	}
	return []int{0}
}

// Start brings up the CPUs the machine describes and returns when all of
// them are online or have failed, within bounded waits.
//
// The per-CPU areas must be initialized before Start (see
// [percpu.InitInPlace]): every CPU sets its register from its area base.
//
// Every CPU described but not online is named in [Report.Problems]; Start
// then returns [ErrCPUsMissing] unless the boot runs degraded. Either way
// the CPUs that did answer are online and hold a P, and only they: GC,
// stop-the-world and GOMAXPROCS changes keep working.
func Start(o Options) (r Report, err error) {
	if port == nil {
		return r, ErrNoPort
	}
	if !started.CompareAndSwap(false, true) {
		return r, ErrStarted
	}
	if percpu.ReadReg() != percpu.AreaBase(0) {
		return r, ErrRegister
	}

	if !o.NoCmdline {
		if o, err = o.withCmdline(port.Cmdline()); err != nil {
			return r, err
		}
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}

	described, err := port.CPUs()
	if err != nil {
		return r, fmt.Errorf("boot: reading the CPUs the machine describes: %w", err)
	}

	p := plan(described, port.HWIDName(), o, percpu.AreaNum(), percpu.AreaStride())
	r = p.report
	hwids = p.hwids
	n := len(p.hwids)
	r.Online = []int{0}

	if n > 1 {
		if err = port.Prepare(n); err != nil {
			return r, err
		}

		bringUp(p, o, &r)
	}

	publish(r.Online)

	switch {
	case r.Unusable > 0 || len(r.Failed) > 0 || p.overCapacity:
		if o.Degraded {
			r.Degraded = true
			r.Problems = append(r.Problems, fmt.Sprintf("running degraded: %d of %d CPUs online", len(r.Online), r.Present))
		} else {
			err = ErrCPUsMissing
		}
	}

	return r, err
}

// bringUp runs the two phases of the bring-up.
func bringUp(p bringupPlan, o Options, r *Report) {
	t0 := time.Now()

	var woken []int
	var wh []uint64
	var wb []uintptr

	for cpu := 1; cpu < len(p.hwids); cpu++ {
		if slices.Contains(o.Skip, cpu) {
			continue
		}
		woken = append(woken, cpu)
		wh = append(wh, p.hwids[cpu])
		wb = append(wb, percpu.AreaBase(cpu))
	}

	cause := make(map[int]string)
	for _, cpu := range o.Skip {
		if cpu > 0 && cpu < len(p.hwids) {
			cause[cpu] = "not woken (boot.skip)"
		}
	}

	errs := port.Wake(woken, wh, wb)
	for i, e := range errs {
		if i < len(woken) && e != nil {
			cause[woken[i]] = e.Error()
		}
	}

	// phase one: wait, bounded, for every CPU woken without an error
	// to answer from its park loop
	deadline := time.Now().Add(o.Timeout)
	answered := []int{}

	for {
		answered = answered[:0]
		pending := false
		for _, cpu := range woken {
			switch {
			case cause[cpu] != "":
			case port.Parked(cpu):
				answered = append(answered, cpu)
			default:
				pending = true
			}
		}
		if !pending || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Microsecond)
	}

	for _, cpu := range woken {
		if cause[cpu] == "" && !slices.Contains(answered, cpu) {
			cause[cpu] = fmt.Sprintf("no answer to %s within %v", port.WakeMethod(), o.Timeout)
		}
	}

	r.Answered = time.Since(t0)

	// phase two: only the CPUs that answered get a P and an M
	order = append([]int(nil), answered...)
	nextCPU.Store(0)

	if len(order) > 0 {
		if err := handOut(len(order) + 1); err != nil {
			for _, cpu := range order {
				cause[cpu] = err.Error()
			}
		} else if !waitOnline(order, enterTimeout(o.Timeout, len(order))) {
			// the runtime created its Ms too slowly: give it only
			// the CPUs that are online, so that the online set and
			// GOMAXPROCS agree (a late CPU is running, and its M
			// can only join the Ms without a P)
			var n int
			for _, cpu := range order {
				if port.Online(cpu) {
					n++
				} else {
					cause[cpu] = "parked, but did not enter the scheduler in time"
				}
			}
			handOut(n + 1)
		}
	}

	collect(p, cause, r)
	r.Elapsed = time.Since(t0)
}

// enterTimeout bounds phase two. The CPUs are known to run by then; what
// takes time is the runtime, which starts its Ms one after another: only one
// M spins for work at a time (runtime.wakep), and the next M is created only
// when that one found a goroutine to run, so every CPU waits for the one
// before it to be scheduled and running. Under emulation on a small host a
// step takes tens of milliseconds (the new M's 8 MiB stack, cleared by
// newosproc, is 1 to 3 ms of it): be generous, by CPU.
func enterTimeout(answer time.Duration, n int) time.Duration {
	return max(answer, 10*time.Second+time.Duration(n)*2*time.Second)
}

// collect fills the online set and the failures of r.
func collect(p bringupPlan, cause map[int]string, r *Report) {
	r.Online = []int{0}

	for cpu := 1; cpu < len(p.hwids); cpu++ {
		if port.Online(cpu) && cause[cpu] == "" {
			r.Online = append(r.Online, cpu)
			continue
		}

		why := cause[cpu]
		if why == "" {
			why = "parked, but did not enter the scheduler in time"
			if !entered[cpu].Load() {
				why = "parked, but the runtime asked for no M for it"
			}
		}

		r.Failed = append(r.Failed, cpu)
		r.Problems = append(r.Problems, fmt.Sprintf("cpu %d (%s=%#x) did not come online: %s", cpu, p.name, p.hwids[cpu], why))
	}
}

// publish makes l the online set, here and in package percpu (what its
// ForEach and Sum visit).
func publish(l []int) {
	if len(l) == 0 {
		l = []int{0}
	}
	c := slices.Clone(l)
	online.Store(&c)
	percpu.SetOnline(c)
}

// waitOnline keeps enough goroutines runnable that the scheduler starts one
// M per P, until every CPU of l is online or the timeout expires, and
// reports whether every CPU came online.
func waitOnline(l []int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	done := make(chan struct{}, len(l)+1)

	all := func() bool {
		for _, cpu := range l {
			if !port.Online(cpu) {
				return false
			}
		}
		return true
	}

	for i := 0; i <= len(l); i++ {
		go func() {
			for !all() && time.Now().Before(deadline) {
				rest()
				runtime.Gosched()
			}
			done <- struct{}{}
		}()
	}

	for i := 0; i <= len(l); i++ {
		<-done
	}

	return all()
}

// Rest lets the calling CPU idle for up to 1 ms through the board's idle
// hook (goos.Idle: HLT, WFI until a timer) without giving up its P, and
// returns. A goroutine that waits for other CPUs calls it instead of
// spinning: under emulation a spinning CPU takes the host's time from the
// CPUs that have work. It does nothing on the host.
func Rest() {
	rest()
}

// gStack mirrors the first field of runtime.g, the bounds of the goroutine
// stack ("stack stack // offset known to runtime/cgo", runtime/runtime2.go).
type gStack struct {
	lo, hi uintptr
}

// task implements goos.Task: the runtime calls it once per new M, from
// newosproc (runtime/os_tamago.go), with a fresh 8 MiB block (sp), the M, its
// g0 and the ABI0 address of mstart.
//
// The CPU runs on g0's own stack (allocated by the runtime with the M,
// 16 KiB, as on linux/amd64 where newosproc passes g0.stack.hi to clone), so
// that g0's recorded bounds match the stack in use. The 8 MiB block stays
// unused.
//
// May run with m.p == nil: no allocation, no pointer stores (they would need
// write barriers).
func task(sp, mp, gp, fn unsafe.Pointer) {
	i := int(nextCPU.Add(1)) - 1

	if i >= len(order) {
		print("boot: the runtime asked for M number ", i+2, " but only ", len(order)+1, " CPUs are online\n")
		panic("boot: no CPU left for a new M")
	}

	cpu := order[i]
	stack := (*gStack)(gp)

	port.Enter(cpu, stack.hi, uintptr(gp), uintptr(fn))
	entered[cpu].Store(true)
}
