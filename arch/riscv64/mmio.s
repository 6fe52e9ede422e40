// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

#include "go_asm.h"
#include "textflag.h"

// func uart_tx(base uint64, c byte)
TEXT ·uart_tx(SB),NOSPLIT,$0-9
	MOV	base+0(FP), T0
	MOVBU	c+8(FP), T1
wait:
	MOVBU	const_uartLSR(T0), T2
	AND	$const_uartLSR_THRE, T2
	BEQZ	T2, wait
	MOVB	T1, const_uartTHR(T0)
	RET

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
