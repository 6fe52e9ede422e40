// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

#include "go_asm.h"
#include "textflag.h"

// func finish(base uint64, code int32)
TEXT ·finish(SB),NOSPLIT,$0-12
	MOV	base+0(FP), T0
	MOVWU	code+8(FP), T1
	MOV	$const_finisherPass, T2
	BEQZ	T1, store
	SLL	$16, T1, T2
	MOV	$const_finisherFail, T1
	OR	T1, T2
store:
	FENCE
	MOVW	T2, (T0)		// 32-bit store: sifive_test takes 2-4 byte accesses
halt:
	WORD	$0x10500073		// wfi
	JMP	halt
