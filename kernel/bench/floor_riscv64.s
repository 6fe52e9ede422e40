// Per-CPU access benchmark kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago

// The floor of a per-CPU add from Go: one assembly call whose body is the
// gp-relative load, add and store alone, without the register check and the
// slot key of percpu.Add (percpu/this_cpu_riscv64.s).

#include "textflag.h"

// func floorAdd(off uintptr, delta uint64)
TEXT ·floorAdd(SB),NOSPLIT,$0-16
	MOV	off+0(FP), A1
	MOV	delta+8(FP), A2
	ADD	GP, A1, A1
	MOV	(A1), A0		// ld a0, 0(a1)
	ADD	A2, A0, A0
	MOV	A0, (A1)		// sd a0, 0(a1)
	RET
