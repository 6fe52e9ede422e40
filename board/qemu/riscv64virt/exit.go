// QEMU virt board for the SMP kernel, RISC-V 64-bit
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

package riscv64virt

// SiFive test finisher commands (QEMU include/hw/misc/sifive_test.h), for
// the board's exit device, _board_exit in exit.s (package riscv64's board
// contract, board.go): status 0 is written as finisherPass, any other
// status as finisherFail with the status in bits 31:16, which QEMU passes
// to exit(3).
const (
	finisherFail = 0x3333 // exit((value >> 16) & 0xffff)
	finisherPass = 0x5555 // exit(0)
)
