// QEMU virt board for the SMP kernel, RISC-V 64-bit
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64 && !sbi

package riscv64virt

// firmwareSize is the DRAM the firmware keeps: none, the boot shim runs
// from the first page, below the kernel (linked at -T 0x80010000).
const firmwareSize = 0
