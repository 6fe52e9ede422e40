// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

package riscv64

import (
	"runtime/goos"
	"sync/atomic"
	"unsafe"

	"github.com/tamago-smp/kernel/arch"
	"github.com/tamago-smp/kernel/arch/internal/early"
	"github.com/tamago-smp/kernel/internal/fdt"
)

// EarlyStatus is the exit status of the checks cpuinit makes before the Go
// runtime runs (early.s, ramcheck): a hart lacks an extension the kernel
// needs (misa), the RAM the device tree describes does not hold the Go
// runtime's RAM, or the device tree lies inside it. See [arch.EarlyStatus].
const EarlyStatus = arch.EarlyStatus

// earlyStackSize is the size of earlyStack.
const earlyStackSize = 2048

var (
	// earlyLock is taken by the first hart to fail an early check: only
	// that hart reports. It is never cleared.
	earlyLock uint32

	// earlyStack is the stack of ramcheck: cpuinit cannot use the one at
	// the top of RAM before it knows that RAM is there.
	earlyStack [earlyStackSize]byte
)

// defined in early.s; neither returns
func early_stop() // stops the machine with EarlyStatus (the board's exit device)
func early_halt() // halts this hart: interrupts off, WFI forever

// ramcheck runs on the boot hart from cpuinit, on earlyStack and before any
// Go runtime code (no g, no heap, no gp): if the device tree at bootFDT
// shows too little RAM for goos.RamStart to RamStart+RamSize, where the
// runtime puts its heap and the boot hart's stack, or lies in that RAM
// (QEMU puts it in the top 2 MiB of RAM, hw/riscv/boot.c
// riscv_compute_fdt_addr), it prints [early.RAM]'s line and stops the
// machine with EarlyStatus: with too little RAM the first store to the
// stack would fault before anything is printed.
//
// In S-mode it first checks the boot hart's ISA (isacheck).
//
// earlyLine holds the report line of ramcheck: static, since the boot CPU runs
// it alone, and the nosplit chain from the ELF entry has no room for it on
// the stack.
var earlyLine [early.LineSize]byte

//go:nosplit
func ramcheck() {
	if sMode {
		isacheck()
	}

	image := uint64(uintptr(unsafe.Pointer(&earlyStack))) // an address in the kernel image

	line := early.RAM(&earlyLine, "riscv64", bootFDT, uint64(goos.RamStart), uint64(goos.RamStart+goos.RamSize), image)
	if line == nil {
		return
	}

	if !earlyClaim() {
		early_halt()
	}
	earlyPuts("\r\n")
	earlyWrite(line)
	earlyPuts("\r\n")

	early_stop()
}

// isacheck runs on the boot hart in S-mode from ramcheck, on earlyStack
// and before any Go runtime code, where misa cannot be read: if
// the riscv,isa of the hart's /cpus node in the device tree at bootFDT
// lacks an extension the kernel needs, it prints
//
//	riscv64: the boot hart's riscv,isa rv64imac lacks fd: the kernel needs rv64imafdc
//
// and stops the machine with EarlyStatus, before the runtime's first
// floating-point instruction traps. A tree without the hart lets the boot
// go on (SMP.CPUs names it).
//
//go:nosplit
func isacheck() {
	isa, ok := fdt.HartISA(early.Blob(bootFDT), bootHart)
	if !ok {
		return
	}
	bits, rv64 := isaBits(isa)
	if rv64 && bits&misaNeed == misaNeed {
		return
	}

	if !earlyClaim() {
		early_halt()
	}
	earlyPuts("\r\nriscv64: the boot hart's riscv,isa ")
	earlyWrite(isa)
	earlyPuts(" lacks ")
	if !rv64 {
		earlyPuts("rv64")
	}
	for c := byte('a'); c <= 'z'; c++ {
		if misaNeed&^bits&(1<<(c-'a')) != 0 {
			Putc(c)
		}
	}
	earlyPuts(": the kernel needs rv64" + isaNeed + "\r\n")

	early_stop()
}

// earlyClaim takes earlyLock and reports whether this hart is the first
// to fail an early check.
//
//go:nosplit
func earlyClaim() bool {
	return atomic.SwapUint32(&earlyLock, 1) == 0
}

//go:nosplit
func earlyPuts(s string) {
	for i := 0; i < len(s); i++ {
		Putc(s[i])
	}
}

//go:nosplit
func earlyWrite(b []byte) {
	for _, c := range b {
		Putc(c)
	}
}
