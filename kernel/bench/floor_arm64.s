// Per-CPU access benchmark kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago

// The floor of a per-CPU add from Go: one assembly call whose body is the
// TPIDR_ELx-relative load, add and store alone, without the register check
// and the slot key of percpu.Add (percpu/this_cpu_arm64.s), one function per
// exception level so that the body does not branch on it either.

#include "textflag.h"

// func floorAddEL1(off uintptr, delta uint64)
TEXT ·floorAddEL1(SB),NOSPLIT,$0-16
	MOVD	off+0(FP), R1
	MOVD	delta+8(FP), R2
	MRS	TPIDR_EL1, R0
	MOVD	(R0)(R1), R3		// ldr x3, [x0, x1]
	ADD	R2, R3, R3
	MOVD	R3, (R0)(R1)		// str x3, [x0, x1]
	RET

// func floorAddEL2(off uintptr, delta uint64)
TEXT ·floorAddEL2(SB),NOSPLIT,$0-16
	MOVD	off+0(FP), R1
	MOVD	delta+8(FP), R2
	WORD	$0xd53cd040		// mrs x0, tpidr_el2
	MOVD	(R0)(R1), R3		// ldr x3, [x0, x1]
	ADD	R2, R3, R3
	MOVD	R3, (R0)(R1)		// str x3, [x0, x1]
	RET
