// QEMU virt board for the SMP kernel, RISC-V 64-bit
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

// Package virt is the board glue for QEMU's riscv64 virt machine in M-mode,
// with one or more harts: NS16550A serial console, CLINT clock, exit through
// the SiFive test finisher with the real status, an idle governor that is
// safe on every hart, and the hart start port of package
// [github.com/tamago-smp/kernel/arch/riscv64]. Importing it is enough.
//
// The machine starts every hart at 0x80000000 in M-mode, never at the ELF
// entry: QEMU must load the 12-byte boot shim there with -bios (see the
// README and the qemu/ harness), with at least 1 GiB of RAM. The harts,
// their CLINTs and the kernel command line come from the device tree. The QEMU
// command line is in the qemu/ harness table (`go tool qemu run -target
// riscv64` prints it).
//
// This package is only meant to be used with `GOOS=tamago GOARCH=riscv64`
// and the `linkcpuinit` build tag, as supported by the TamaGo framework for
// bare metal Go, see https://github.com/usbarmory/tamago.
package virt

import (
	"runtime/goos"
	_ "unsafe"

	"github.com/tamago-smp/kernel/arch/riscv64"
	"github.com/tamago-smp/kernel/boot"
)

// Peripheral registers (QEMU hw/riscv/virt.c, virt_memmap).
const (
	// SiFive test finisher (hw/misc/sifive_test.c)
	TEST_BASE = 0x100000

	// Core-Local Interruptor: see riscv64.CLINT_BASE
	CLINT_BASE = riscv64.CLINT_BASE

	// NS16550A UART, IRQ 10
	UART0_BASE = 0x10000000

	// DRAM
	DRAM_BASE = 0x80000000
)

// TIMEBASE is the frequency of the CLINT mtime counter: see
// riscv64.TIMEBASE.
const TIMEBASE = riscv64.TIMEBASE

// RAM layout: the boot shim owns the first page of DRAM (the kernel is
// linked at -T 0x80010000), the Go runtime takes RAM from ramStart and puts
// the boot hart's stack ramStackOffset below ramStart+ramSize (mem.go).
var (
	//go:linkname ramStart runtime/goos.RamStart
	ramStart uint64 = DRAM_BASE

	//go:linkname ramStackOffset runtime/goos.RamStackOffset
	ramStackOffset uint64 = 0x100
)

// SMP starts the harts parked by cpuinit; it is the boot.Port of the board.
var SMP = &riscv64.SMP{}

// The devices the trap vector and the early reports of cpuinit use, named
// at link time so that they work from the first instruction of every hart,
// before any Go code runs.
var (
	//go:linkname exceptionUART _exception_uart
	exceptionUART uint64 = UART0_BASE

	//go:linkname exceptionTest _exception_test
	exceptionTest uint64 = TEST_BASE
)

// nanotime is the runtime clock: CLINT mtime in nanoseconds. It is also
// called before Hwinit1, so it must not allocate.
//
//go:linkname nanotime runtime/goos.Nanotime
func nanotime() int64 {
	return riscv64.Nanotime()
}

// hwinit0 runs on the boot hart before the Go runtime is set up: the trap
// devices are already named at link time, there is nothing left to do.
//
//go:linkname hwinit0 runtime/goos.Hwinit0
func hwinit0() {}

// Init takes care of the lower level initialization triggered early in
// runtime setup (post World start), on the boot hart.
//
//go:linkname Init runtime/goos.Hwinit1
func Init() {
	goos.Exit = riscv64.Exit
	goos.Idle = riscv64.Idle
	goos.ProcID = procID
}

// procID is goos.ProcID, the M's procid for tracing: the hart id.
func procID() uint64 {
	return uint64(riscv64.ID())
}

func init() {
	boot.Register(SMP)
}
