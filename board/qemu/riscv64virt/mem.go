// QEMU virt board for the SMP kernel, RISC-V 64-bit
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64 && !linkramsize

package riscv64virt

import (
	_ "unsafe"
)

// ramSize is the memory given to the Go runtime from ramStart: 1 GiB (QEMU
// -m 1G) less the firmware's and the 2 MiB at the top, where QEMU puts the FDT
// (hw/riscv/boot.c, riscv_compute_fdt_addr: RAM end minus the FDT size,
// aligned down to 2 MiB), so that the boot hart's stack, just below
// DRAM_BASE+ramSize, does not overwrite it. Applications can override it
// with the `linkramsize` build tag. cpuinit checks, before Go runs, that
// the RAM the device tree describes holds it (arch/riscv64, EarlyStatus).
//
//go:linkname ramSize runtime/goos.RamSize
var ramSize uint64 = 0x40000000 - firmwareSize - 0x200000 // 1 GiB - firmware - 2 MiB
