// x86_64 SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

package amd64

import (
	"fmt"
	"sync/atomic"

	"github.com/tamago-smp/kernel/arch"
)

// Local APIC registers of the idle timer (Intel SDM Vol. 3A, 11.4.1 Table
// 11-1 Local APIC Register Address Map; 11.5.4 APIC Timer).
const (
	LAPIC_EOI     = LAPIC_BASE + 0x0b0
	LAPIC_SVR     = LAPIC_BASE + 0x0f0 // spurious-interrupt vector, bit 8: APIC software enable
	LAPIC_LVT_TMR = LAPIC_BASE + 0x320 // LVT timer: vector, bit 16 mask, bits 18:17 mode (0: one-shot)
	LAPIC_TMR_ICR = LAPIC_BASE + 0x380 // timer initial count
	LAPIC_TMR_DCR = LAPIC_BASE + 0x3e0 // timer divide configuration
)

// Idle timer vectors and settings.
const (
	idleVector     = 0xf0   // LVT timer vector: idleTick, EOI and return
	spuriousVector = 0xff   // SVR vector: spuriousTick, return
	svrEnable      = 1 << 8 // APIC software enable
	tmrDivide1     = 0b1011 // divide by 1
)

// idleHalt is set once the idle timer's gates are installed: the ELF
// entry's apRelease then sets up the timer of each AP, and [Idle] halts.
var idleHalt uint32

// defined in idle.s
func idleTickPC() uintptr
func spuriousTickPC() uintptr
func lapicTimerInit()
func haltFor(count uint32)

// EnableIdleHalt lets [Idle] halt the CPU until the next timer event (at
// most [arch.IdleMax] later) instead of spinning: under TCG a spinning CPU takes a
// host thread's time from the CPUs that have work. TamaGo v1.26 has no
// wake-up IPI for an idle CPU, so the local APIC timer ends every halt.
//
// It installs the timer's and the spurious interrupt's gates in the IDT
// in use (shared by every CPU) and starts the boot CPU's timer; each AP
// starts its own when it leaves its park loop. Call it on the boot CPU,
// after the fault reports, before boot.Start. It returns an error, and
// Idle keeps spinning, when the local APIC is in x2APIC mode or the IDT
// has no room for the vectors.
func EnableIdleHalt() error {
	if x2APICMode() {
		return fmt.Errorf("amd64: idle halt: the local APIC is in x2APIC mode, the idle timer drives the xAPIC")
	}

	var idtr [10]byte
	sidt(&idtr)

	base, limit := tableRegister(&idtr)
	if limit < spuriousVector*16+15 {
		return fmt.Errorf("amd64: idle halt: IDT limit %#x, vector %#x needs %#x", limit, spuriousVector, spuriousVector*16+15)
	}

	*(*[2]uint64)(mem(base + idleVector*16)) = interruptGate(idleTickPC())
	*(*[2]uint64)(mem(base + spuriousVector*16)) = interruptGate(spuriousTickPC())

	lapicTimerInit()
	atomic.StoreUint32(&idleHalt, 1)

	return nil
}

// Idle waits for work on the calling CPU: it halts until the local APIC
// timer fires, at most [arch.IdleMax] or until pollUntil (the runtime's next
// timer), or spins once (PAUSE) if [EnableIdleHalt] was not called.
func Idle(pollUntil int64) {
	if atomic.LoadUint32(&idleHalt) == 0 {
		pause()
		return
	}

	ns := int64(arch.IdleMax)

	if pollUntil != 0 {
		ns = min(ns, pollUntil-Nanotime())
	}

	if ns <= 0 {
		return
	}

	haltFor(uint32(ns * lapicTicksPerNs))
}

// lapicTicksPerNs is the local APIC timer rate with divide-by-1: QEMU's APIC
// timer counts at 1 GHz (hw/intc/apic_common.c, APIC timer: one tick per
// nanosecond of QEMU_CLOCK_VIRTUAL shifted by the divider).
const lapicTicksPerNs = 1
