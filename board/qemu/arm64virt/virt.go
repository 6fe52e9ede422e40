// QEMU virt board for the SMP kernel, aarch64
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

// Package arm64virt is the board glue for QEMU's aarch64 virt machine, at EL2
// (virtualization=on) or at EL1, with one or more cores: PL011 serial
// console, generic timer clock, exit through semihosting with the real
// status, an idle governor that is safe on every core, and the PSCI CPU_ON
// port of package [github.com/tamago-smp/kernel/arch/arm64]. Importing it is
// enough. It runs on virt,virtualization=on (EL2) and on plain virt (EL1);
// the QEMU command lines are in target.go (`go tool qemu run -target
// aarch64-el2` prints the one it runs), and the README says what the
// board needs from them.
//
// This package is only meant to be used with `GOOS=tamago GOARCH=arm64` and
// the `linkcpuinit` build tag, as supported by the TamaGo framework for bare
// metal Go, see https://github.com/usbarmory/tamago.
package arm64virt

import (
	"runtime/goos"
	_ "unsafe"

	"github.com/tamago-smp/kernel/arch/arm64"
	_ "github.com/tamago-smp/kernel/board/qemu/armdev"
	"github.com/tamago-smp/kernel/boot"
)

// Peripheral registers (QEMU hw/arm/virt.c, base_memmap).
const (
	// PL011 UART, SPI 1
	UART0_BASE = 0x09000000

	// DRAM
	DRAM_BASE = 0x40000000
)

// DTB_BASE is where QEMU puts the device tree for an ELF kernel that starts
// above DRAM_BASE: the start of RAM (hw/arm/boot.c, arm_load_kernel_notify
// and arm_setup_direct_kernel_boot; no register points to it, unlike a
// Linux image boot).
const DTB_BASE = DRAM_BASE

// Peripheral instances
var (
	// SMP starts the secondary cores with PSCI CPU_ON. The device tree
	// describes them (/cpus: MPIDR affinity, status, enable-method) and
	// the conduit (/psci method: SMC with virtualization=on, HVC
	// otherwise, QEMU virt.c).
	SMP = &arm64.SMP{
		PSCI: arm64.PSCI{Conduit: arm64.ConduitAuto},
		DTB:  DTB_BASE,
	}
)

// RAM layout: QEMU loads the ELF at its link address (-T 0x40200000, the ELF
// header 0x1000 below it) and, for an ELF that starts above DRAM_BASE, the
// device tree at DRAM_BASE, which the kernel reads and leaves alone
// (hw/arm/boot.c). QEMU's tree is 1 MiB (FDT_MAX_SIZE, device_tree.c) and is
// left out, silently, if it does not fit below the image: the image must
// start at DRAM_BASE + 1 MiB or above. The Go runtime takes RAM
// after its image, up to the boot CPU's stack, ramStackOffset below
// ramStart+ramSize (mem.go).
var (
	//go:linkname ramStart runtime/goos.RamStart
	ramStart uint64 = DRAM_BASE

	//go:linkname ramStackOffset runtime/goos.RamStackOffset
	ramStackOffset uint64 = 0x100

	// cpuinit checks the RAM size of this device tree before the stack
	// at the top of RAM is used (package arm64's board contract)
	//
	//go:linkname earlyDTB _early_dtb
	earlyDTB uint64 = DTB_BASE

	// the console's PL011, for _board_putc (package armdev)
	//
	//go:linkname uart0 _board_uart0
	uart0 uint64 = UART0_BASE
)

// Init takes care of the lower level initialization triggered early in
// runtime setup (post World start), on the boot CPU.
//
//go:linkname Init runtime/goos.Hwinit1
func Init() {
	goos.Idle = arm64.Idle
	goos.ProcID = procID
}

func procID() uint64 {
	return uint64(SMP.ID())
}

func init() {
	boot.Register(SMP)
}
