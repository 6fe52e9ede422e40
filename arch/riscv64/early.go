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
// Go runtime code (no g, no heap, no gp): it checks that the RAM the device
// tree at bootFDT describes (its /memory nodes, Devicetree Specification
// v0.4, 3.4) holds the Go runtime's RAM, goos.RamStart to
// RamStart+RamSize, where the runtime puts its heap and the boot hart's
// stack, and that the device tree itself lies outside that range (QEMU
// puts it in the top 2 MiB of RAM, hw/riscv/boot.c riscv_compute_fdt_addr).
// Otherwise it reports
//
//	riscv64: RAM too small: <n> MiB from 0x<start> in the device tree /memory, the kernel needs <m> MiB (...)
//	riscv64: RAM: the device tree at 0x<fdt> lies in the kernel's RAM (...)
//
// and stops the machine with EarlyStatus: with too little RAM the first
// store to the stack would fault before anything is printed.
//
// The RAM found is the run of /memory ranges that starts with the one
// holding RamStart ([fdt.RAMEnd], range after adjacent range). Without a
// device tree (bootFDT 0, unaligned or without the magic), or without a
// /memory range at RamStart, the size is not checked.
//
//go:nosplit
func ramcheck() {
	if bootFDT == 0 || bootFDT&7 != 0 {
		return
	}

	hdr := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(nil), bootFDT)), fdt.HeaderSize)
	if uint32(hdr[0])<<24|uint32(hdr[1])<<16|uint32(hdr[2])<<8|uint32(hdr[3]) != fdt.Magic {
		return
	}
	size := uint32(hdr[4])<<24 | uint32(hdr[5])<<16 | uint32(hdr[6])<<8 | uint32(hdr[7])
	if size < fdt.HeaderSize || size > fdt.MaxSize {
		return
	}

	b := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(nil), bootFDT)), size)
	start, need := uint64(goos.RamStart), uint64(goos.RamStart+goos.RamSize)

	end := start
	for {
		e, ok := fdt.RAMEnd(b, end)
		if !ok || e <= end {
			break
		}
		end = e
	}

	switch at := uint64(bootFDT); {
	case end != start && end < need:
		if !earlyClaim() {
			early_halt()
		}
		earlyPuts("\r\nriscv64: RAM too small: ")
		earlyDec((end - start) >> 20)
		earlyPuts(" MiB from 0x")
		earlyHex(start)
		earlyPuts(" in the device tree /memory, the kernel needs ")
		earlyDec((need-start)>>20 + 2)
		earlyPuts(" MiB (goos.RamSize, and 2 MiB above it for the device tree)\r\n")
	case at >= start && at < need:
		if !earlyClaim() {
			early_halt()
		}
		earlyPuts("\r\nriscv64: RAM: the device tree at 0x")
		earlyHex(at)
		earlyPuts(" lies in the kernel's RAM (goos.RamStart, RamSize)\r\n")
	default:
		return
	}

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

// earlyHex prints v as 16 hexadecimal digits.
//
//go:nosplit
func earlyHex(v uint64) {
	var buf [16]byte
	earlyWrite(early.Hex(&buf, v, 16))
}

//go:nosplit
func earlyDec(v uint64) {
	var buf [20]byte
	earlyWrite(early.Dec(&buf, v))
}
