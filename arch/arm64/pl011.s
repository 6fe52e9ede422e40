// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

#include "go_asm.h"
#include "textflag.h"

// func pl011_tx(base uint64, c byte)
TEXT ·pl011_tx(SB),NOSPLIT,$0-9
	MOVD	base+0(FP), R0
	MOVBU	c+8(FP), R1
wait:
	MOVWU	const_UARTFR(R0), R2
	TBNZ	$const_UARTFR_TXFF, R2, wait
	MOVW	R1, const_UARTDR(R0)
	RET
