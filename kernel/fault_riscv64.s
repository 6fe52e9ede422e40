// SMP per-CPU demo kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && percpu_fault

#include "textflag.h"

// func faultStore(addr uintptr)
TEXT ·faultStore(SB),NOSPLIT,$0-8
	MOV	addr+0(FP), A0
	MOV	$0xfa17, A1
	MOV	A1, (A0)		// store access fault: nothing is mapped there
	RET
