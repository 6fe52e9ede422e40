// QEMU virt board for the SMP kernel, RISC-V 64-bit
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

#include "go_asm.h"
#include "textflag.h"

// constants loaded from memory: a LUI could be compressed (c.lui)
DATA finisher<>+0(SB)/8, $const_TEST_BASE
GLOBL finisher<>(SB), RODATA, $8
DATA pass<>+0(SB)/8, $const_finisherPass
GLOBL pass<>(SB), RODATA, $8
DATA fail<>+0(SB)/8, $const_finisherFail
GLOBL fail<>(SB), RODATA, $8

// _board_exit stops the machine through the SiFive test finisher with the
// status in X19 (see exit.go). The store is a 32-bit one: sifive_test takes
// 2-4 byte accesses. If the device ignores it the hart sleeps in WFI
// forever. Uses X18, X20, X21; no compressed instruction.
TEXT _board_exit(SB),NOSPLIT|NOFRAME,$0
	MOV	finisher<>(SB), X18
	MOV	pass<>(SB), X20
	BEQ	X19, X0, store
	SLL	$16, X19, X20
	MOV	fail<>(SB), X21			// fail | status << 16
	OR	X21, X20, X20
store:
	FENCE
	MOVW	X20, (X18)
halt:
	WORD	$0x10500073			// wfi
	JMP	halt
