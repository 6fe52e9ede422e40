// QEMU virt board for the SMP kernel, RISC-V 64-bit
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64 && sbi

package riscv64virt

// firmwareSize is the DRAM OpenSBI keeps, PMP-protected: the first 2 MiB;
// it starts the next stage in S-mode at 0x80200000.
const firmwareSize = 0x200000
