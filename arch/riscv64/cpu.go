// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

// Package riscv64 runs a TamaGo kernel in machine mode on every hart of a
// RISC-V 64-bit machine whose harts all start at the same address, as QEMU
// virt does: its own cpuinit lets the first hart to claim the boot lottery
// into the Go runtime and parks every other hart until [SMP.Wake] and
// [SMP.Enter] (package boot's two-phase bring-up) hand it a Go scheduler M.
//
// The boot story:
//
//  1. Every hart enters cpuinit (entry.s) in M-mode with interrupts off.
//     First it points mtvec at the trap vector (exception.s), which reports the
//     hart, mcause, mepc and mtval on the console and stops the machine with
//     [ExceptionStatus] from the first instruction on (the board's devices,
//     named at link time: board.go). Then it checks misa for the extensions the
//     compiler emits (rv64imafdc): up to that check the code has no
//     compressed instruction. A hart that fails it stays out of the boot
//     lottery and halts, reported by [SMP.CPUs], once another hart has
//     claimed the lottery; if none does (every hart lacks C, say), it
//     prints one line and stops the machine with [EarlyStatus].
//  2. The first hart to claim the boot lottery is the boot hart, whatever
//     its mhartid (every hart starts at reset, as under OpenSBI's
//     lottery). It keeps the device tree address (a1), checks that the RAM
//     the device tree describes holds the Go runtime's RAM (goos.RamStart
//     and RamSize) and that the device tree lies outside it ([EarlyStatus]
//     otherwise), points the runtime clock at the board's CLINT, points gp
//     (x3) at per-CPU area 0, takes the top of RAM as its stack and enters
//     the Go runtime (_rt0_tamago_start).
//  3. Every other hart parks (apentry, smp.s) in the slot of the hart
//     table its mhartid indexes (a hart id not below [HartTable] halts,
//     and is reported), with the machine software interrupt alone enabled
//     (mie.MSIE, with mstatus.MIE still 0), asleep in WFI.
//  4. [SMP.Wake] reads the harts and their CLINTs from the device tree
//     ([Harts]), publishes each hart's mailbox (indexed by logical CPU id)
//     in its slot and raises every hart's MSIP bit in its own socket's
//     CLINT, back to back. Each hart sets gp to its per-CPU area, marks
//     itself parked in its mailbox and sleeps again.
//  5. [SMP.Enter], called from the goos.Task of package boot, stores the
//     stack and g0, publishes mstart with a store-release and raises the
//     MSIP again. The hart loads SP and g (x27), marks itself online and
//     jumps to mstart.
//
// With the sbi build tag the kernel runs in supervisor mode under an SBI
// firmware instead (OpenSBI on boards): the firmware enters cpuinit
// (entry.s) on the boot hart alone, with a0 = its hart id and a1 = the
// device tree; traps go through stvec; [SMP.Wake] starts each hart with SBI
// HSM hart_start at sbientry (sbi.s), which sets gp and parks as in step 4,
// and [SMP.Enter] wakes it with an SBI IPI. Each hart keeps its id in
// sscratch, the clock reads the time CSR and the idle timer is SBI
// set_timer.
//
// The per-CPU register is gp (x3): the Go compiler never allocates x3 or x4
// (cmd/compile/internal/ssa/_gen/RISCV64Ops.go), no runtime or TamaGo
// riscv64 assembly writes x3, and the Go linker does no gp-relative
// relaxation. tp (x4) is not used because the assembler reserves it for
// cgo TLS (runtime/tls_riscv64.s).
//
// Logical CPU ids are dense, the boot hart is 0; hart ids come from the
// device tree and may be sparse.
//
// This package is only meant to be used with `GOOS=tamago GOARCH=riscv64`
// and the `linkcpuinit` build tag, as supported by the TamaGo framework for
// bare metal Go, see https://github.com/usbarmory/tamago.
package riscv64

import (
	// _percpu_start, referenced by entry.s
	"github.com/tamago-smp/kernel/linker"
)

// CSR bits (The RISC-V Instruction Set Manual, Volume II: Privileged
// Architecture, 3.1.6 mstatus and 3.1.9 mip/mie).
const (
	MSTATUS_MIE        = 1 << 3  // machine interrupt enable
	MSTATUS_FS_INITIAL = 1 << 13 // FPU on, state Initial
	MIE_MSIE           = 1 << 3  // machine software interrupt enable
	MIE_MTIE           = 1 << 7  // machine timer interrupt enable
)

// areaAlign is the alignment of the per-CPU areas, for entry.s.
const areaAlign = linker.AreaAlign

// defined in cpu.s
func read_mhartid() uint64

// bootFDT is a1 as the boot hart entered cpuinit: the address of the
// flattened device tree, by the RISC-V boot convention that QEMU's reset
// vector follows (hw/riscv/boot.c: a0 = mhartid, a1 = FDT). Written by
// entry.s before the runtime starts; it points outside the Go heap.
var bootFDT uintptr

// BootFDT returns the address of the flattened device tree the boot hart
// was handed at reset, or 0 if there was none.
func BootFDT() uintptr {
	return bootFDT
}

func init() {
	// the boot hart's timer is in its own socket's CLINT
	_ = describe()
}

// ID returns the hart id of the current hart (mhartid, or in S-mode the
// id the hart entered with), not its logical CPU id.
//
// A goroutine can move to another hart at any preemption point: the result
// is a snapshot unless the caller is pinned.
func ID() int {
	return int(read_mhartid())
}
