// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Package boot brings up the secondary CPUs of a TamaGo kernel so that each
// one runs a Go scheduler M with its per-CPU register pointing at its own
// area, whatever the ISA.
//
// The boot story, on every ISA:
//
//  1. The boot CPU (CPU 0) came out of its cpuinit with the per-CPU register
//     already pointing at area 0 of the linker region, and ran the Go runtime
//     up to main.
//  2. [Start] initialises the per-CPU areas ([percpu.InitInPlace]) and checks
//     CPU 0's register, asks the [Port] to prepare the secondaries, installs
//     [goos.Task] and raises GOMAXPROCS to the number of CPUs.
//  3. The runtime creates one M per extra P, lazily, by calling goos.Task
//     (sp, mp, g0, mstart). Task gives the M the next CPU id, and the Port
//     writes that CPU's mailbox (stack, g0, mstart, area base) and wakes it.
//  4. The AP entry trampoline (assembly in arch/<isa>, no stack, no g) sets
//     its stack, the ISA state Go needs, its per-CPU register and the g
//     register, marks itself online in the mailbox and jumps to mstart.
//  5. Start waits, with a bound, until every CPU is online and reports the
//     ones that are not.
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
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/tamago-smp/kernel/percpu"
)

// Port is the ISA side of SMP bring-up, implemented in arch/<isa> and
// registered by the board package with [Register].
type Port interface {
	// NumCPU returns the number of CPUs the machine has, boot CPU
	// included.
	NumCPU() int

	// Prepare runs once on the boot CPU, in a normal goroutine, before
	// any secondary is started: it may allocate, sleep and print. n is
	// the number of CPUs that will be started, boot CPU included.
	Prepare(n int) error

	// Start wakes CPU cpu (1 <= cpu < n) so that its entry trampoline
	// sets SP to sp, its per-CPU register to base, its g register to g0
	// and jumps to fn (runtime·mstart, ABI0).
	//
	// Start runs inside goos.Task, on the system stack and possibly
	// without a P: it must not allocate, block, take locks or store
	// pointers, and may only busy-wait. It returns 0 on success, or an
	// ISA status code that [Port.StartError] explains.
	Start(cpu int, sp, g0, fn, base uintptr) (status int)

	// StartError turns a non-zero status returned by Start into an
	// error naming the CPU and the cause (for example a PSCI error
	// name). It runs in a normal goroutine.
	StartError(cpu int, status int) error

	// Online reports whether CPU cpu has reached the end of its entry
	// trampoline (register set, about to enter mstart).
	Online(cpu int) bool
}

// Errors reported by [Start].
var (
	ErrNoPort       = errors.New("boot: no Port registered (import a board package)")
	ErrStarted      = errors.New("boot: Start called twice")
	ErrRegister     = errors.New("boot: CPU 0 per-CPU register does not point at area 0")
	ErrCPUsMissing  = errors.New("boot: not every CPU came online")
	ErrParkedOnline = errors.New("boot: a CPU left parked is online")
)

// MaxCPUs bounds the CPU ids this package keeps state for.
const MaxCPUs = 64

// cpuState is the bookkeeping of one CPU, written by Task and read by the
// waiting boot CPU.
type cpuState struct {
	started atomic.Bool
	status  atomic.Int64 // Port.Start result, set before started
}

var (
	port    Port
	started atomic.Bool
	ncpu    int          // CPUs being brought up, boot CPU included
	nextCPU atomic.Int32 // last CPU id handed to an M
	cpus    [MaxCPUs]cpuState
)

// Register installs the ISA port; board packages call it from init.
func Register(p Port) {
	port = p
}

// Report describes the outcome of [Start].
type Report struct {
	// Present is the number of CPUs the machine has.
	Present int
	// Areas is the number of per-CPU areas available.
	Areas int
	// Wanted is the number of CPUs Start tried to bring up.
	Wanted int
	// Online lists the ids of the CPUs that came online, CPU 0 included.
	Online []int
	// Parked lists the ids of the CPUs present but never started (beyond
	// the max given to Start, the number of per-CPU areas or MaxCPUs):
	// the port was never asked to wake them, and Start checked that none
	// of them is online.
	Parked []int
	// Problems has one line per CPU that did not come online, and one
	// for the CPUs left parked.
	Problems []string
}

// Start brings up the secondary CPUs, at most max CPUs in total (max <= 0
// means all of them), and waits up to timeout for them to come online.
//
// The per-CPU areas must be initialised before Start (see
// [percpu.InitInPlace]): every AP sets its register from its area base.
//
// A CPU that does not come up in time is reported in [Report.Problems] and
// Start returns [ErrCPUsMissing]; the kernel carries on with the CPUs that
// did. CPUs present beyond the number of per-CPU areas (or [MaxCPUs]) are
// never woken: they are listed in [Report.Parked], with one line in
// Report.Problems that names the sizes, and the rest boots (Start returns
// [ErrParkedOnline] if one of them is online all the same).
func Start(max int, timeout time.Duration) (r Report, err error) {
	if port == nil {
		return r, ErrNoPort
	}
	if !started.CompareAndSwap(false, true) {
		return r, ErrStarted
	}

	if percpu.ReadReg() != percpu.AreaBase(0) {
		return r, ErrRegister
	}

	r.Present = port.NumCPU()
	r.Areas = percpu.AreaNum()

	n := r.Present
	if max > 0 && n > max {
		n = max
	}

	r.Wanted = min(n, MaxCPUs, r.Areas)
	r.Problems = parkedProblems(n, r.Areas)

	for cpu := r.Wanted; cpu < min(r.Present, MaxCPUs); cpu++ {
		r.Parked = append(r.Parked, cpu)
	}

	n = r.Wanted
	ncpu = n

	if n > 1 {
		if err = port.Prepare(n); err != nil {
			return r, err
		}

		if err = installTask(); err != nil {
			return r, err
		}
		runtime.GOMAXPROCS(n)

		// Ms are created lazily, when there is work for another P:
		// keep n goroutines runnable until every CPU is online.
		waitOnline(n, timeout)
	}

	r.Online = append(r.Online, 0)

	for cpu := 1; cpu < n; cpu++ {
		s := &cpus[cpu]

		switch {
		case port.Online(cpu):
			r.Online = append(r.Online, cpu)
		case !s.started.Load():
			r.Problems = append(r.Problems, fmt.Sprintf("cpu %d was never started: the runtime asked for no M for it within %v", cpu, timeout))
		case s.status.Load() != 0:
			r.Problems = append(r.Problems, fmt.Sprintf("cpu %d failed to start: %v", cpu, port.StartError(cpu, int(s.status.Load()))))
		default:
			r.Problems = append(r.Problems, fmt.Sprintf("cpu %d did not come online within %v", cpu, timeout))
		}
	}

	// A parked CPU must never run: the port was not asked to wake it.
	for _, cpu := range r.Parked {
		if port.Online(cpu) {
			r.Problems = append(r.Problems, fmt.Sprintf("cpu %d was left parked but is online", cpu))
			err = ErrParkedOnline
		}
	}

	if len(r.Online) != n && err == nil {
		err = ErrCPUsMissing
	}

	return
}

// parkedProblems explains why CPUs n0..n-1 of the n CPUs to start are left
// parked when there are only areas per-CPU areas or MaxCPUs mailboxes,
// naming the sizes: the bytes the areas hold and the bytes n CPUs need.
func parkedProblems(n, areas int) (p []string) {
	if n > MaxCPUs {
		p = append(p, fmt.Sprintf("cpus %d..%d present but left parked: boot.MaxCPUs is %d", MaxCPUs, n-1, MaxCPUs))
		n = MaxCPUs
	}

	if n > areas {
		stride := percpu.AreaStride()
		p = append(p, fmt.Sprintf("cpus %d..%d present but left parked: only %d per-CPU areas of %d bytes (%d bytes), %d CPUs need %d bytes",
			areas, n-1, areas, stride, uintptr(areas)*stride, n, uintptr(n)*stride))
	}

	return
}

// waitOnline keeps n spinning goroutines alive, so that the scheduler starts
// one M per P, until every CPU is online or the timeout expires.
func waitOnline(n int, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	done := make(chan struct{}, n)

	for i := 0; i < n; i++ {
		go func() {
			for !allOnline(n) && time.Now().Before(deadline) {
				runtime.Gosched()
			}
			done <- struct{}{}
		}()
	}

	for i := 0; i < n; i++ {
		<-done
	}
}

func allOnline(n int) bool {
	for cpu := 1; cpu < n; cpu++ {
		if !port.Online(cpu) {
			return false
		}
	}
	return true
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
// The AP runs on g0's own stack (allocated by the runtime with the M, 16 KiB,
// as on linux/amd64 where newosproc passes g0.stack.hi to clone), so that
// g0's recorded bounds match the stack in use. The 8 MiB block stays unused.
//
// May run with m.p == nil: no allocation, no pointer stores (they would need
// write barriers).
func task(sp, mp, gp, fn unsafe.Pointer) {
	cpu := int(nextCPU.Add(1))

	if cpu >= ncpu {
		print("boot: the runtime asked for M number ", cpu+1, " but only ", ncpu, " CPUs are being started\n")
		panic("boot: no CPU left for a new M")
	}

	s := &cpus[cpu]
	stack := (*gStack)(gp)

	status := port.Start(cpu, stack.hi, uintptr(gp), uintptr(fn), percpu.AreaBase(cpu))
	s.status.Store(int64(status))
	s.started.Store(true)
}

// NumOnline returns the number of CPUs started by [Start] that are online,
// boot CPU included.
func NumOnline() (n int) {
	if port == nil {
		return 1
	}

	n = 1
	for cpu := 1; cpu < ncpu; cpu++ {
		if port.Online(cpu) {
			n++
		}
	}

	return
}
