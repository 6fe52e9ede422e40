// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

// Package riscv64 runs a TamaGo kernel in machine mode on every hart of a
// RISC-V 64-bit machine whose harts all start at the same address, as QEMU
// virt does: its own cpuinit lets hart 0 into the Go runtime and parks every
// other hart until [SMP.Start] hands it a Go scheduler M.
//
// The boot story:
//
//  1. Every hart enters cpuinit (entry.s) in M-mode with interrupts off.
//     Each one enables its FPU and points mtvec at the trap vector
//     (trap.s), which reports the hart, mcause, mepc and mtval and stops
//     the machine with [TrapStatus].
//  2. Hart 0 points gp (x3) at per-CPU area 0, the first 64-byte aligned
//     address of the linker region _percpu_start, takes the top of RAM as
//     its stack and enters the Go runtime (_rt0_tamago_start).
//  3. Every other hart counts itself in [SMP.NumCPU], enables the machine
//     software interrupt alone (mie.MSIE, with mstatus.MIE still 0) and
//     sleeps in WFI, checking its mailbox each time it wakes.
//  4. [SMP.Start], called from the goos.Task of package boot, fills the
//     hart's mailbox (stack, g0, mstart, per-CPU area), publishes the entry
//     point with a store-release and raises the hart's MSIP bit in the CLINT.
//  5. The hart leaves the park loop: it masks MSIE, loads SP, g (x27) and gp
//     from its mailbox, marks itself online and jumps to mstart.
//
// The per-CPU register is gp (x3): the Go compiler never allocates x3 or x4
// (cmd/compile/internal/ssa/_gen/RISCV64Ops.go), no runtime or TamaGo
// riscv64 assembly writes x3, and the Go linker does no gp-relative
// relaxation. tp (x4) is not used because the assembler reserves it for
// cgo TLS (runtime/tls_riscv64.s).
//
// CPU ids are hart ids (mhartid): the machine must number its harts 0..n-1
// and start hart 0 first, as QEMU virt does.
//
// This package is only meant to be used with `GOOS=tamago GOARCH=riscv64`
// and the `linkcpuinit` build tag, as supported by the TamaGo framework for
// bare metal Go, see https://github.com/usbarmory/tamago.
package riscv64

import (
	// _percpu_start, referenced by entry.s
	"github.com/tamago-smp/kernel/linker"
)

// Core-Local Interruptor registers (RISC-V ACLINT specification v1.0,
// MSWI and MTIMER devices, in the SiFive CLINT layout used by QEMU virt,
// hw/intc/riscv_aclint.c, and by SiFive SoCs).
const (
	CLINT_BASE     = 0x2000000
	CLINT_MSIP     = CLINT_BASE + 0x0000 // 32-bit per hart, bit 0 = mip.MSIP
	CLINT_MTIMECMP = CLINT_BASE + 0x4000 // 64-bit per hart
	CLINT_MTIME    = CLINT_BASE + 0xbff8 // 64-bit, shared
)

// CSR bits (The RISC-V Instruction Set Manual, Volume II: Privileged
// Architecture, 3.1.6 mstatus and 3.1.9 mip/mie).
const (
	MSTATUS_MIE        = 1 << 3  // machine interrupt enable
	MSTATUS_FS_INITIAL = 1 << 13 // FPU on, state Initial
	MIE_MSIE           = 1 << 3  // machine software interrupt enable
	MIE_MTIE           = 1 << 7  // machine timer interrupt enable
)

// MaxHarts is the number of harts this package keeps a mailbox for; harts
// with a larger mhartid halt in cpuinit and are never counted.
const MaxHarts = 64

// TrapStatus is the exit status the trap vector stops the machine with.
const TrapStatus = 99

// areaAlign is the alignment of the per-CPU areas, for entry.s.
const areaAlign = linker.AreaAlign

// defined in cpu.s
func read_mhartid() uint64
func read_mtime() uint64
func wait_timer(mtimecmp uint64)

// ID returns the id of the current hart (mhartid), which is also its CPU id.
//
// A goroutine can move to another hart at any preemption point: the result
// is a snapshot unless the caller is pinned.
func ID() int {
	return int(read_mhartid())
}

// Mtime returns the machine timer counter (CLINT mtime), which counts at the
// timebase frequency of the board.
func Mtime() uint64 {
	return read_mtime()
}

// WaitTimer puts the current hart to sleep (WFI) until mtime reaches until,
// or until the hart is woken for another reason, whichever comes first.
//
// It programs the hart's own MTIMECMP and enables the machine timer
// interrupt in mie only for the duration of the WFI; mstatus.MIE stays 0,
// so no trap is taken: WFI returns as soon as mip & mie is non-zero
// (Privileged Architecture, 3.3.3 Wait for Interrupt). It is safe to call
// concurrently on every hart.
func WaitTimer(until uint64) {
	wait_timer(until)
}
