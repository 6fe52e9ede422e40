// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

#include "go_asm.h"
#include "textflag.h"

// func uart_tx(base uint64, c byte)
TEXT ·uart_tx(SB),NOSPLIT,$0-9
	MOV	base+0(FP), X18
	MOVBU	c+8(FP), X21
	CALL	·uart_putc(SB)
	RET

// uart_putc writes the byte in X21 to the NS16550A UART at X18, once its
// transmit holding register is empty (LSR.THRE). It uses X20 and returns to
// RA: no stack, no g, no gp, and no compressed instruction (its registers
// are outside x8-x15), so that the exception report and the reports of
// cpuinit, on a hart without the C extension too, share it. Called with
// CALL.
TEXT ·uart_putc(SB),NOSPLIT|NOFRAME,$0
wait:
	MOVBU	const_uartLSR(X18), X20
	ANDI	$const_uartLSR_THRE, X20, X20
	BEQ	X20, X0, wait
	MOVB	X21, const_uartTHR(X18)
	RET
