// QEMU virt board for the SMP kernel, RISC-V 64-bit
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

// Package riscv64virt is the board glue for QEMU's riscv64 virt machine, in
// M-mode or, with the sbi build tag, in S-mode under OpenSBI (-bios default),
// with one or more harts: NS16550A serial console, CLINT clock, exit through
// the SiFive test finisher with the real status, an idle governor that is
// safe on every hart, and the hart start port of package
// [github.com/tamago-smp/kernel/arch/riscv64]. Importing it is enough.
//
// In M-mode, the machine starts every hart at 0x80000000, never at the ELF
// entry: QEMU must load the 12-byte boot shim there with -bios (see the
// README and Shim in target.go), with at least 1 GiB of RAM. The harts,
// their CLINTs and the kernel command line come from the device tree. The
// QEMU command line is in target.go (`go tool qemu run -target riscv64`
// prints it). Under OpenSBI the boot hart enters through the S-mode shim
// (SShim in target.go) with the RAM above the firmware's 2 MiB.
//
// This package is only meant to be used with `GOOS=tamago GOARCH=riscv64`
// and the `linkcpuinit` build tag, as supported by the TamaGo framework for
// bare metal Go, see https://github.com/usbarmory/tamago.
package riscv64virt

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

	// Core-Local Interruptor of the first socket (RISC-V ACLINT
	// specification v1.0, in the SiFive CLINT layout,
	// hw/intc/riscv_aclint.c); the device tree names every hart's
	CLINT_BASE = 0x2000000

	// NS16550A UART, IRQ 10
	UART0_BASE = 0x10000000

	// DRAM
	DRAM_BASE = 0x80000000
)

// TIMEBASE is the frequency of the CLINT mtime counter
// (RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ, the FDT timebase-frequency).
const TIMEBASE = 10000000 // 10 MHz

// RAM layout: the firmware owns the first firmwareSize bytes of DRAM (the
// boot shim, or OpenSBI), the Go runtime takes RAM from ramStart and puts
// the boot hart's stack ramStackOffset below ramStart+ramSize (mem.go).
var (
	//go:linkname ramStart runtime/goos.RamStart
	ramStart uint64 = DRAM_BASE + firmwareSize

	//go:linkname ramStackOffset runtime/goos.RamStackOffset
	ramStackOffset uint64 = 0x100
)

// SMP starts the harts parked by cpuinit; it is the boot.Port of the board.
var SMP = &riscv64.SMP{}

// The CLINT and timebase of package riscv64's board contract, for the
// runtime clock until the device tree is read; the console and the exit
// device are _board_putc (ns16550.s) and _board_exit (exit.s).
var (
	//go:linkname boardCLINT _board_clint
	boardCLINT uint64 = CLINT_BASE

	//go:linkname boardTimebase _board_timebase
	boardTimebase uint64 = TIMEBASE
)

// nanotime is the runtime clock: CLINT mtime in nanoseconds. It is also
// called before Hwinit1, so it must not allocate.
//
//go:linkname nanotime runtime/goos.Nanotime
func nanotime() int64 {
	return riscv64.Nanotime()
}

// hwinit0 runs on the boot hart before the Go runtime is set up: the trap
// devices are linked in, there is nothing left to do.
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
