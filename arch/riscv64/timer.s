// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64 && !sbi

#include "go_asm.h"
#include "textflag.h"
#include "riscv64.h"

// func read_mtime() uint64
TEXT ·read_mtime(SB),NOSPLIT,$0-8
	MOV	·mtimeAddr(SB), T0
	MOV	(T0), T1
	MOV	T1, ret+0(FP)
	RET

// func wait_timer(until uint64)
TEXT ·wait_timer(SB),NOSPLIT,$0-8
	MOV	until+0(FP), T1

	// *hartSlots[mhartid].mtimecmp = until, which also clears a stale
	// mip.MTIP (ACLINT v1.0, 3.2 MTIMECMP registers); a hart outside the
	// table, or whose CLINT is not known yet, does not sleep
	CSRRS	X0, MHARTID, T0
	MOV	$const_HartTable, T2
	BGEU	T0, T2, done
	MOV	$hartSlot__size, T2
	MUL	T2, T0
	MOV	$·hartSlots(SB), T2
	ADD	T0, T2
	MOV	hartSlot_mtimecmp(T2), T2
	BEQZ	T2, done
	MOV	T1, (T2)

	MOV	$const_MIE_MTIE, T0
	CSRRS	T0, MIE, X0		// enable MTIP as a wake-up source
	WFI
	CSRRC	T0, MIE, X0		// and disable it again
done:
	RET
