// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

#include "go_asm.h"
#include "textflag.h"

// func raise_msip(hart uint64)
TEXT ·raise_msip(SB),NOSPLIT,$0-8
	MOV	hart+0(FP), T0

	// MSIP[hart] = 1 (ACLINT v1.0, 2.1 MSIP registers), after every
	// earlier store to memory (the hart's mailbox)
	SLL	$2, T0
	MOV	$const_CLINT_MSIP, T1
	ADD	T0, T1
	MOV	$1, T2
	FENCE
	MOVW	T2, (T1)
	RET
