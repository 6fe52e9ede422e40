// Raspberry Pi 3 board (QEMU raspi3b) for the SMP kernel, aarch64
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

// Package raspi3b is the board glue for the Raspberry Pi 3 Model B
// (BCM2837, four Cortex-A53) as the Pi firmware starts a kernel8.img and as
// QEMU's raspi3b machine reproduces it: the boot CPU at EL2 with X0 = the
// device tree, the other cores in the firmware's spin table, no PSCI and no
// GIC. It provides the PL011 console, exit through semihosting under QEMU,
// the generic timer clock, an idle governor that is safe on every core, and
// the spin-table port of package [github.com/tamago-smp/kernel/arch/arm64].
// Importing it is enough; the kernel selects it with the build tag raspi3b
// (board/board_raspi3b.go). The QEMU command line and the raw image are in
// target.go.
//
// This package is only meant to be used with `GOOS=tamago GOARCH=arm64` and
// the `linkcpuinit` and `raspi3b` build tags, as supported by the TamaGo
// framework for bare metal Go, see https://github.com/usbarmory/tamago.
package raspi3b

import (
	"runtime/goos"
	"unsafe"

	"github.com/tamago-smp/kernel/arch/arm64"
	_ "github.com/tamago-smp/kernel/board/qemu/armdev"
	"github.com/tamago-smp/kernel/boot"
)

// Peripheral registers (BCM2837: the BCM2835 ARM Peripherals manual's bus
// addresses 0x7exxxxxx appear at 0x3fxxxxxx to the ARM; QEMU
// hw/arm/bcm2836.c).
const (
	// PL011 UART0 (BCM2835 ARM Peripherals, 13 UART)
	UART0_BASE = 0x3f201000

	// ARM local peripherals (BCM2836 ARM-local peripherals, 4.6 Core
	// timers interrupts): per core n, LOCAL_TIMER_INT + 4*n routes the
	// core's generic timer interrupts; nCNTPNSIRQ to its IRQ
	LOCAL_BASE            = 0x40000000
	LOCAL_TIMER_INT       = LOCAL_BASE + 0x40
	LOCAL_TIMER_CNTPNSIRQ = 1
	LOCAL_CORES           = 4

	// SDRAM from 0: the ARM's share, below the VideoCore's
	DRAM_BASE = 0
)

// SMP starts the secondary cores from the firmware's spin table, as the
// device tree the firmware passes says (/cpus: enable-method "spin-table",
// cpu-release-addr 0xd8, 0xe0, 0xe8, 0xf0).
var SMP = &arm64.SMP{}

// RAM layout: the raw image is loaded at 0x80000 and branches to the ELF
// entry at 2 MiB (-T 0x200000; the first 2 MiB stay unmapped: nil pointers
// and the spin table, see arm64's mmu.go). QEMU puts the device tree after
// the image at 128 MiB (hw/arm/boot.c, arm_setup_direct_kernel_boot:
// initrd_start, then the tree); the Go runtime takes RAM from its image up to
// the boot CPU's stack, ramStackOffset below ramStart+ramSize (mem.go),
// below the tree.
var (
	//go:linkname ramStart runtime/goos.RamStart
	ramStart uint64 = DRAM_BASE

	//go:linkname ramStackOffset runtime/goos.RamStackOffset
	ramStackOffset uint64 = 0x100

	// earlyDTB is the device tree of X0 at the entry, stored by
	// _rt0_raspi3b (entry.s) before cpuinit checks its RAM size
	// (package arm64's board contract)
	//
	//go:linkname earlyDTB _early_dtb
	earlyDTB uint64

	// the console's PL011, for _board_putc (package armdev)
	//
	//go:linkname uart0 _board_uart0
	uart0 uint64 = UART0_BASE
)

// Init takes care of the lower level initialization triggered early in
// runtime setup (post World start), on the boot CPU: it routes each core's
// EL1 physical timer interrupt to the core's IRQ, for idle.
//
//go:linkname Init runtime/goos.Hwinit1
func Init() {
	for n := range LOCAL_CORES {
		reg := (*uint32)(unsafe.Add(unsafe.Pointer(nil), LOCAL_TIMER_INT+4*n))
		*reg = 1 << LOCAL_TIMER_CNTPNSIRQ
	}

	goos.Idle = idle
	goos.ProcID = procID
}

// idle is the goos.Idle governor: with no GIC, a CPU rests with WFI until
// its own timer's interrupt, which the local interrupt controller routes to
// it (Init), masked and never taken (arm64.TimerWait).
//
//go:nosplit
func idle(pollUntil int64) {
	arm64.TimerWait(pollUntil)
}

func procID() uint64 {
	return uint64(SMP.ID())
}

func init() {
	SMP.DTB = uintptr(earlyDTB)
	boot.Register(SMP)
}
