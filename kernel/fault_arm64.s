// SMP per-CPU demo kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && percpu_fault

#include "textflag.h"

// func faultStore(addr uintptr)
TEXT ·faultStore(SB),NOSPLIT,$0-8
	MOVD	addr+0(FP), R0
	MOVD	$0xfa17, R1
	MOVD	R1, (R0)		// data abort: nothing is mapped there
	RET
