// Per-CPU access benchmark kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago

// The floor of a per-CPU add from Go: one assembly call whose body is the
// GS-relative ADD alone, without the register check and the slot key of
// percpu.Add (percpu/this_cpu_amd64.s).

#include "textflag.h"

// func floorAdd(off uintptr, delta uint64)
TEXT ·floorAdd(SB),NOSPLIT,$0-16
	MOVQ	off+0(FP), AX
	MOVQ	delta+8(FP), BX
	ADDQ	BX, 0(AX)(GS*1)		// add gs:[rax], rbx
	RET
