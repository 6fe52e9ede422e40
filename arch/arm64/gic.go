// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

package arm64

import (
	"sync/atomic"

	"github.com/tamago-smp/kernel/arch"
)

// An idle CPU that truly rests. QEMU's WFE does not wait for an event, it
// only yields: a CPU idling with WFE spins on the host and takes its time
// from the CPUs doing the work (with 64 vCPUs on a few host cores, from the
// one creating the runtime's next M). WFI does wait, until an interrupt is
// pending, even with every interrupt masked in DAIF (Arm ARM, D1 Wait for
// Interrupt): Idle arms the CPU's EL1 physical timer (PPI INTID 30) and
// waits with WFI. For the timer's interrupt to reach the CPU, the GICv3
// distributor forwards Group 1, the CPU's redistributor is awake with INTID
// 30 enabled in Group 1, and its CPU interface has the priority mask open
// and Group 1 enabled (GICv3 and GICv4 Software Overview, DAI 0492, 4
// Configuring the GIC). The interrupt is never taken nor acknowledged: the
// timer is disabled after WFI, which drops the level-sensitive PPI.
//
// Without a GICv3 in the device tree (virt's default GICv2), Idle stays
// with WFE.

// GICv3 registers (Arm GICv3 and GICv4 Architecture Specification, IHI
// 0069, 12 Programmers' model).
const (
	GICD_CTLR         = 0x0000
	GICD_CTLR_RWP     = 31
	GICD_CTLR_ARE     = 4 // affinity routing (with GICD_CTLR.DS = 1, no security)
	GICD_CTLR_ENGRP1  = 1 // forward Group 1 interrupts
	GICR_TYPER        = 0x0008
	GICR_TYPER_LAST   = 4 // last redistributor of the region
	GICR_WAKER        = 0x0014
	GICR_WAKER_SLEEP  = 1       // ProcessorSleep
	GICR_WAKER_ASLEEP = 2       // ChildrenAsleep
	GICR_FRAME        = 0x20000 // RD_base and SGI_base frames of one redistributor
	GICR_SGI_BASE     = 0x10000
	GICR_IGROUPR0     = 0x0080 // in the SGI frame
	GICR_ISENABLER0   = 0x0100
	GICR_IPRIORITYR   = 0x0400
	timerINTID        = 30   // EL1 physical timer, PPI 14 (QEMU virt: ARCH_TIMER_NS_EL1_IRQ)
	timerPriority     = 0x80 // below ICC_PMR_EL1 = 0xff: signalled
)

// Per-CPU state of the rest with WFI, by logical id.
const (
	gicUnknown = 0
	gicFailed  = 1 // no redistributor for this CPU: WFE
)

var (
	// gicd and gicr are the GICv3 distributor and first redistributor
	// region (base, size) from the device tree; gicReady is 1 once the
	// distributor forwards Group 1.
	gicd, gicr, gicrSize uint64
	gicReady             uint32

	gicCPU [MaxCPUs]uint32
)

// defined in gic.s
func mmio_read32(addr uint64) uint32
func mmio_write32(addr uint64, val uint32)
func read_igrpen1() uint64
func gic_cpuif_on()
func wfi_timer(ticks uint64)

// gicInit turns on the GICv3 distributor's Group 1 forwarding with
// affinity routing. It runs once, on the boot CPU, before the APs are
// woken.
func gicInit(dist, redist, redistSize uint64) {
	if dist == 0 || redist == 0 {
		return
	}

	ctlr := mmio_read32(dist + GICD_CTLR)
	if ctlr&(1<<GICD_CTLR_ARE) == 0 {
		// ARE may only change while the groups are disabled
		mmio_write32(dist+GICD_CTLR, 1<<GICD_CTLR_ARE)
		gicdWait(dist)
	}
	mmio_write32(dist+GICD_CTLR, 1<<GICD_CTLR_ARE|1<<GICD_CTLR_ENGRP1)
	gicdWait(dist)

	gicd, gicr, gicrSize = dist, redist, redistSize
	atomic.StoreUint32(&gicReady, 1)
}

func gicdWait(dist uint64) {
	for i := 0; i < 1e6 && mmio_read32(dist+GICD_CTLR)&(1<<GICD_CTLR_RWP) != 0; i++ {
	}
}

// gicCPUInit prepares the calling CPU to rest with WFI: its redistributor
// (found by its MPIDR affinity in GICR_TYPER) awake, INTID 30 in Group 1
// and enabled, its CPU interface open. It reports whether the CPU can rest
// with WFI.
//
//go:nosplit
func gicCPUInit(cpu int) bool {
	mpidr := read_mpidr()
	aff := (mpidr>>32&0xff)<<24 | mpidr&0xffffff

	for off := uint64(0); off+GICR_FRAME <= gicrSize; off += GICR_FRAME {
		rd := gicr + off
		lo := mmio_read32(rd + GICR_TYPER)
		hi := mmio_read32(rd + GICR_TYPER + 4)

		if uint64(hi) == aff {
			mmio_write32(rd+GICR_WAKER, mmio_read32(rd+GICR_WAKER)&^(1<<GICR_WAKER_SLEEP))
			for i := 0; i < 1e6 && mmio_read32(rd+GICR_WAKER)&(1<<GICR_WAKER_ASLEEP) != 0; i++ {
			}

			sgi := rd + GICR_SGI_BASE
			prio := sgi + GICR_IPRIORITYR + timerINTID&^3
			shift := 8 * (timerINTID & 3)
			mmio_write32(prio, mmio_read32(prio)&^(0xff<<shift)|timerPriority<<shift)
			mmio_write32(sgi+GICR_IGROUPR0, mmio_read32(sgi+GICR_IGROUPR0)|1<<timerINTID)
			mmio_write32(sgi+GICR_ISENABLER0, 1<<timerINTID)

			gic_cpuif_on()
			return true
		}

		if lo&(1<<GICR_TYPER_LAST) != 0 {
			break
		}
	}

	if cpu >= 0 && cpu < MaxCPUs {
		atomic.StoreUint32(&gicCPU[cpu], gicFailed)
	}

	return false
}

// rest waits with WFI until pollUntil (nanotime), at most
// [arch.IdleMax], and reports whether it could: the CPU has a GICv3
// redistributor and interface set up by gicCPUInit.
//
//go:nosplit
func rest(pollUntil int64) bool {
	if atomic.LoadUint32(&gicReady) == 0 {
		return false
	}

	if read_igrpen1() == 0 {
		cpu := cpuID()
		if cpu < 0 || atomic.LoadUint32(&gicCPU[cpu]) == gicFailed || !gicCPUInit(cpu) {
			return false
		}
	}

	TimerWait(pollUntil)

	return true
}

// TimerWait waits with WFI until pollUntil (nanotime), at most
// [arch.IdleMax], for the calling CPU's EL1 physical timer: an idle
// governor for a board whose interrupt controller routes that timer's
// interrupt to the CPU (a GICv3, rest; the Pi's local interrupt
// controller). The interrupt stays masked and is never taken; it only ends
// WFI. It allocates nothing.
//
//go:nosplit
func TimerWait(pollUntil int64) {
	d := int64(arch.IdleMax)
	if pollUntil != 0 {
		d = min(d, pollUntil-Nanotime())
	}

	if d > 0 {
		wfi_timer(uint64(d) * uint64(read_cntfrq()) / 1e9)
	}
}
