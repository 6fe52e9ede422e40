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
	"github.com/tamago-smp/kernel/internal/fdt"
)

// EarlyStatus is the QEMU exit status when the boot CPU finds, before any
// Go runtime code runs, that the machine cannot run the kernel: RAM
// smaller than runtime/goos.RamStart + RamSize. cpuinit prints one line,
//
//	arm64: RAM too small: 0x40000000-0x50000000 (256 MiB, device tree /memory), the kernel needs 0x40000000-0x80000000 (1024 MiB, runtime/goos.RamStart + RamSize)
//
// and exits through the board's exit device. See [arch.EarlyStatus].
const EarlyStatus = arch.EarlyStatus

// earlyStackSize is the size of earlyStack.
const earlyStackSize = 2048

var (
	// earlyStack is the stack of ramcheck: cpuinit cannot use the one at
	// the top of RAM before it knows that RAM is there.
	earlyStack [earlyStackSize]byte
)

// ramcheck runs on the boot CPU from cpuinit, on earlyStack, with the MMU
// on and before any Go runtime code (no g, no heap): it reads the RAM range
// at runtime/goos.RamStart from the board's device tree (earlyDTB) and, if RAM ends
// before RamStart + RamSize (where the boot CPU's stack and the top of the
// heap go), prints one line and exits with [EarlyStatus]. Without a
// device tree it checks nothing.
//
//go:nosplit
func ramcheck() {
	dtb := earlyDTB() // the board's _early_dtb (board.go)
	if dtb == 0 {
		return
	}

	hdr := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(nil), uintptr(dtb))), fdt.HeaderSize)
	size := uint32(hdr[4])<<24 | uint32(hdr[5])<<16 | uint32(hdr[6])<<8 | uint32(hdr[7])
	if size < fdt.HeaderSize || size > fdt.MaxSize {
		return // not a device tree: nothing to check against
	}

	b := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(nil), uintptr(dtb))), size)
	start, need := uint64(goos.RamStart), uint64(goos.RamStart+goos.RamSize)
	end, ok := fdt.RAMEnd(b, start)

	if ok && end >= need {
		return
	}

	if ok {
		earlyPuts("arm64: RAM too small: ")
		earlyRange(start, end)
		earlyPuts(", device tree /memory), the kernel needs ")
	} else {
		earlyPuts("arm64: RAM too small: none at ")
		earlyHex(start)
		earlyPuts(" in the device tree /memory, the kernel needs ")
	}

	earlyRange(start, need)
	earlyPuts(", runtime/goos.RamStart + RamSize)\r\n")

	board_exit(EarlyStatus)
}

// earlyRange prints "start-end (n MiB".
//
//go:nosplit
func earlyRange(start, end uint64) {
	earlyHex(start)
	earlyPuts("-")
	earlyHex(end)
	earlyPuts(" (")
	earlyDec((end - start) >> 20)
	earlyPuts(" MiB")
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

//go:nosplit
func earlyHex(v uint64) {
	var buf [16]byte
	earlyPuts("0x")
	earlyWrite(early.Hex(&buf, v, 1))
}

//go:nosplit
func earlyDec(v uint64) {
	var buf [20]byte
	earlyWrite(early.Dec(&buf, v))
}
