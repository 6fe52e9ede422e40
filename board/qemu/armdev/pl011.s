// Devices of the QEMU arm64 boards of the SMP kernel, aarch64
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

#include "go_asm.h"
#include "textflag.h"

// _board_putc writes the byte in R20 to the PL011 at the board's
// _board_uart0 once its transmit FIFO has room. Uses R19 and R22; returns
// with RET.
TEXT _board_putc(SB),NOSPLIT|NOFRAME,$0
	MOVD	$_board_uart0(SB), R19
	MOVD	(R19), R19
wait:
	MOVWU	const_UARTFR(R19), R22
	TBNZ	$const_UARTFR_TXFF, R22, wait
	MOVW	R20, const_UARTDR(R19)
	RET
