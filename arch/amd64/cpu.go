// x86_64 SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

// Package amd64 is the x86_64 side of the kernel:
//
//   - the boot CPU's entry point (entry.s), which checks the CPU features
//     and the RAM the kernel needs, installs an early IDT and points GS_BASE
//     at per-CPU area 0 before any Go code runs, each failure one console
//     line and an exit (EarlyStatus, ExceptionStatus);
//   - the CPUs of the machine from its firmware tables (ACPI MADT, else the
//     MP table; package internal/acpi), never from CPUID counts;
//   - the application processor (AP) start path of the two-phase bring-up
//     of package boot: every AP woken at once (INIT, one 10 ms delay,
//     STARTUP twice), a trampoline from real mode to long mode that any
//     number of APs run together, each finding its logical id by its APIC
//     ID, setting GS_BASE and halting in a park loop of its own until Enter
//     gives it g0, its stack and the TLS slot for the Go scheduler;
//   - the PVH command line, the TSC clock, the idle halt with the local APIC
//     timer and the fault reports; the board adds its exit device
//     (board.go).
//
// It builds on github.com/usbarmory/tamago/amd64, which still provides the
// boot CPU's cpuinit (paging, long mode, stack) and the exception vectors.
//
// This package is only meant to be used with `GOOS=tamago GOARCH=amd64` as
// supported by the TamaGo framework for bare metal Go, see
// https://github.com/usbarmory/tamago.
package amd64

import (
	"unsafe"

	"github.com/tamago-smp/kernel/linker"
)

// areaAlign is the per-CPU area alignment, for the entry point in entry.s.
const areaAlign = linker.AreaAlign

// Model-specific registers (Intel SDM Vol. 4, Table 2-2).
const (
	MSR_EFER    = 0xc0000080
	MSR_FS_BASE = 0xc0000100
	MSR_GS_BASE = 0xc0000101
)

// Local APIC (Intel SDM Vol. 3A, 11.4.1 The Local APIC Block Diagram).
const (
	LAPIC_BASE = 0xfee00000
	LAPIC_ICRL = LAPIC_BASE + 0x300 // Interrupt Command Register, bits 0-31
	LAPIC_ICRH = LAPIC_BASE + 0x310 // Interrupt Command Register, bits 32-63
)

// defined in cpu.s
func cpuid(eax, ecx uint32) (a, b, c, d uint32)
func rdtsc() uint64
func rdmsr(msr uint32) uint64
func wrmsr(msr uint32, val uint64)
func inb(port uint16) uint8
func outb(port uint16, val uint8)
func outw(port uint16, val uint16)
func read32(addr uintptr) uint32
func write32(addr uintptr, val uint32)
func pause()
func irqDisable() (enabled bool)
func irqRestore(enabled bool)
func apic_id() uint32

// APICID returns the local APIC ID of the calling CPU: the 32-bit x2APIC
// ID of CPUID leaf 0BH when the CPU has that leaf, else the 8-bit initial
// APIC ID of leaf 01H (see APIC_ID in amd64.h, which the AP trampoline and
// the exception report use too).
func APICID() int {
	return int(apic_id())
}

// GSBase returns the calling CPU's IA32_GS_BASE.
func GSBase() uintptr {
	return uintptr(rdmsr(MSR_GS_BASE))
}

// mem returns a pointer to a physical address, for the fixed low-memory
// structures of the AP trampoline (identity mapped by TamaGo's cpuinit).
func mem(addr uintptr) unsafe.Pointer {
	return unsafe.Add(unsafe.Pointer(nil), addr)
}
