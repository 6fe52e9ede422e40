// QEMU virt board for the SMP kernel, RISC-V 64-bit
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

package virt

import (
	"github.com/tamago-smp/kernel/arch/riscv64"
	"github.com/tamago-smp/kernel/boot"
)

// SMP starts the harts parked by cpuinit; it is the boot.Port of the board.
var SMP = &riscv64.SMP{}

func init() {
	boot.Register(SMP)
}
