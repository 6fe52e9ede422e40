// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && !percpu_naive

// GS_BASE through its MSR (Intel SDM Vol. 2B, RDMSR/WRMSR: ECX = MSR number,
// EDX:EAX = value; ring 0 only). RDGSBASE/WRGSBASE would need CR4.FSGSBASE,
// which tamago amd64 does not set.

#include "go_asm.h"
#include "textflag.h"

// func read_gs_base() uintptr
TEXT ·read_gs_base(SB),NOSPLIT,$0-8
	MOVL	$const_msrGSBase, CX
	RDMSR				// EDX:EAX = IA32_GS_BASE
	SHLQ	$32, DX
	ORQ	DX, AX
	MOVQ	AX, ret+0(FP)
	RET

// func write_gs_base(base uintptr)
TEXT ·write_gs_base(SB),NOSPLIT,$0-8
	MOVQ	base+0(FP), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$const_msrGSBase, CX
	WRMSR				// IA32_GS_BASE = EDX:EAX
	RET
