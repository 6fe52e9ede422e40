// SMP per-CPU demo kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && percpu_fault

#include "textflag.h"

// func faultStore(addr uintptr)
TEXT ·faultStore(SB),NOSPLIT,$0-8
	MOVQ	addr+0(FP), AX
	MOVQ	$0xfa17, BX
	MOVQ	BX, (AX)		// #PF: the page is not present
	RET
