// x86_64 SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

#include "textflag.h"

// func Exit(code int32)
TEXT ·Exit(SB),NOSPLIT,$0-4
	MOVL	code+0(FP), AX
	JMP	_board_exit(SB)
