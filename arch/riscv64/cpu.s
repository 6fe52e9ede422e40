// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

#include "go_asm.h"
#include "textflag.h"
#include "riscv64.h"

// func read_mhartid() uint64
//
// mhartid, or in S-mode the hart id kept in sscratch (riscv64.h)
TEXT ·read_mhartid(SB),NOSPLIT,$0-8
	CSRRS	X0, CSR_HARTID, T0
	MOV	T0, ret+0(FP)
	RET

