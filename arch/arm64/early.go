// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

package arm64

import (
	"runtime/goos"
	"unsafe"

	"github.com/tamago-smp/kernel/arch"
	"github.com/tamago-smp/kernel/arch/internal/early"
)

// EarlyStatus is the QEMU exit status when the boot CPU finds, before any
// Go runtime code runs, that the machine cannot run the kernel: an
// exception level other than 1 or 2 (fatal_el), a generic timer without
// a frequency or too little RAM (earlycheck). The check prints one line and exits through the board's exit device.
// See [arch.EarlyStatus].
const EarlyStatus = arch.EarlyStatus

// earlyStackSize is the size of earlyStack.
const earlyStackSize = 2048

var (
	// earlyStack is the stack of earlycheck: cpuinit cannot use the one at
	// the top of RAM before it knows that RAM is there.
	earlyStack [earlyStackSize]byte
)

// earlycheck runs on the boot CPU from cpuinit, on earlyStack, with the MMU
// on and before any Go runtime code (no g, no heap). If CNTFRQ_EL0 is 0,
// which only firmware at the highest exception level can set (Arm ARM,
// CNTFRQ_EL0), time cannot be kept: it prints that and exits with
// [EarlyStatus]. If the device tree at
// earlyDTB shows too little RAM for runtime/goos.RamStart + RamSize (where
// the boot CPU's stack and the top of the heap go), or lies in it, it prints
// [early.RAM]'s line and exits with [EarlyStatus].
//
// earlyLine holds the report line of earlycheck: static, since the boot CPU runs
// it alone, and the nosplit chain from the ELF entry has no room for it on
// the stack.
var earlyLine [early.LineSize]byte

//go:nosplit
func earlycheck() {
	if read_cntfrq() == 0 {
		earlyPuts("arm64: CNTFRQ_EL0 is 0: the firmware did not set the generic timer frequency\r\n")
		board_exit(EarlyStatus)
	}

	image := uint64(uintptr(unsafe.Pointer(&earlyStack))) // an address in the kernel image

	line := early.RAM(&earlyLine, "arm64", uintptr(earlyDTB()), uint64(goos.RamStart), uint64(goos.RamStart+goos.RamSize), image)
	if line == nil {
		return
	}

	earlyWrite(line)
	earlyPuts("\r\n")

	board_exit(EarlyStatus)
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
