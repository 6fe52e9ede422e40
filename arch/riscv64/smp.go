// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

package riscv64

import (
	"fmt"
	"sync/atomic"
	"time"
)

// mailbox is the meeting point of a parked hart and [SMP.Start]; entry.s
// reads it through the go_asm.h offsets. One per hart, padded to 64 bytes.
type mailbox struct {
	fn     uint64 // entry point (ABI0 PC), stored last with release order; 0 = stay parked
	sp     uint64 // initial stack pointer (x2)
	g      uint64 // g0 (x27)
	base   uint64 // per-CPU area base (gp, x3)
	parked uint32 // set by the hart when it enters its park loop
	online uint32 // set by the hart at the end of its trampoline
	_      [24]byte
}

// Written by the parked harts in entry.s, read by [SMP].
var (
	mailboxes [MaxHarts]mailbox
	nparked   uint32 // number of harts that reached their park loop
)

// defined in smp.s
func raise_msip(hart uint64)

// defined in trap.s
func trap()

// Status codes of [SMP.Start], explained by [SMP.StartError].
const (
	startOK        = 0
	startNoHart    = 1 // hart id outside the mailbox table
	startNotParked = 2 // the hart never reached its park loop
	startBusy      = 3 // the mailbox was already used
)

// How long [SMP.NumCPU] waits for the harts to park: every hart parks
// within a few instructions of reset, normally long before hart 0 has run
// the Go runtime up to main.
const (
	settleMax    = time.Second           // at most
	settleStable = 10 * time.Millisecond // without a device tree: count unchanged for
)

// SMP starts the parked harts of the machine, one Go scheduler M each; it
// implements the Port interface of package boot
// (github.com/tamago-smp/kernel/boot).
type SMP struct{}

// NumCPU returns the number of harts that can run Go code: hart 0 plus
// every hart that counted itself in when it parked in cpuinit. A hart that
// does not exist, or that halted because its mhartid is not below
// [MaxHarts], is never counted, so it is never waited for.
//
// The device tree hart 0 was handed at reset (see [BootFDT]) says how many
// harts exist (its /cpus/cpu@<n> nodes): NumCPU waits, at most 1 s, until
// that many have parked. Without a device tree it waits until the count has
// not changed for 10 ms.
func (*SMP) NumCPU() int {
	want := min(fdtHarts(bootFDT), MaxHarts)
	n := atomic.LoadUint32(&nparked)
	start := time.Now()
	stable := start

	for int(n)+1 < want || want == 0 && time.Since(stable) < settleStable {
		if time.Since(start) >= settleMax {
			break
		}

		time.Sleep(time.Millisecond)

		if m := atomic.LoadUint32(&nparked); m != n {
			n, stable = m, time.Now()
		}
	}

	return int(n) + 1
}

// Prepare checks that n harts can be started. The harts have been parked
// since cpuinit, with nothing left to prepare.
func (*SMP) Prepare(n int) error {
	if n < 1 || n > MaxHarts {
		return fmt.Errorf("riscv64: cannot start %d harts: the limit is %d (MaxHarts)", n, MaxHarts)
	}

	return nil
}

// Start wakes hart cpu, parked in cpuinit, so that it sets SP to sp, gp to
// base and g to g0, marks itself online and jumps to fn.
//
// It fills the hart's mailbox, publishes fn with a store-release (the
// sequentially consistent atomic store of sync/atomic) and sets the hart's
// MSIP bit in the CLINT (ACLINT v1.0, 2.1 MSIP registers), behind a fence
// that orders the mailbox stores before the device store.
//
// Start runs inside goos.Task: it does not allocate, lock or store pointers.
func (*SMP) Start(cpu int, sp, g0, fn, base uintptr) (status int) {
	if cpu <= 0 || cpu >= MaxHarts {
		return startNoHart
	}

	mb := &mailboxes[cpu]

	if atomic.LoadUint32(&mb.parked) == 0 {
		return startNotParked
	}

	if atomic.LoadUint64(&mb.fn) != 0 {
		return startBusy
	}

	mb.sp = uint64(sp)
	mb.g = uint64(g0)
	mb.base = uint64(base)
	atomic.StoreUint64(&mb.fn, uint64(fn))

	raise_msip(uint64(cpu))

	return startOK
}

// StartError explains a non-zero status returned by [SMP.Start].
func (*SMP) StartError(cpu int, status int) error {
	switch status {
	case startNoHart:
		return fmt.Errorf("riscv64: hart %d: no mailbox, hart ids must be 1..%d", cpu, MaxHarts-1)
	case startNotParked:
		return fmt.Errorf("riscv64: hart %d never reached its park loop", cpu)
	case startBusy:
		return fmt.Errorf("riscv64: hart %d was already started", cpu)
	default:
		return fmt.Errorf("riscv64: hart %d: unknown start status %d", cpu, status)
	}
}

// Online reports whether hart cpu has left its park loop with its
// registers set, about to enter fn. Hart 0 is always online.
func (*SMP) Online(cpu int) bool {
	switch {
	case cpu == 0:
		return true
	case cpu < 0 || cpu >= MaxHarts:
		return false
	default:
		return atomic.LoadUint32(&mailboxes[cpu].online) != 0
	}
}
