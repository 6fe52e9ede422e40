// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

#include "textflag.h"

// func Putc(c byte)
TEXT ·Putc(SB),NOSPLIT|NOFRAME,$0-1
	MOVD	LR, R25
	MOVBU	c+0(FP), R20
	BL	_board_putc(SB)
	MOVD	R25, LR
	RET

// func board_exit(code int32)
TEXT ·board_exit(SB),NOSPLIT|NOFRAME,$0-4
	MOVWU	code+0(FP), R0
	B	_board_exit(SB)

// func earlyDTB() uint64
TEXT ·earlyDTB(SB),NOSPLIT,$0-8
	MOVD	_early_dtb(SB), R0
	MOVD	R0, ret+0(FP)
	RET
