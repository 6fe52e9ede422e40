// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

#include "go_asm.h"
#include "textflag.h"

// func raise_msip(addr uint64)
TEXT ·raise_msip(SB),NOSPLIT,$0-8
	MOV	addr+0(FP), T0

	// MSIP = 1 (ACLINT v1.0, 2.1 MSIP registers), after every earlier
	// store to memory (the hart's mailbox and slot)
	MOV	$1, T1
	FENCE
	MOVW	T1, (T0)
	RET
