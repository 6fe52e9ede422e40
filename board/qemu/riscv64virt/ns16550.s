// QEMU virt board for the SMP kernel, RISC-V 64-bit
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

#include "go_asm.h"
#include "textflag.h"

DATA uart0<>+0(SB)/8, $const_UART0_BASE
GLOBL uart0<>(SB), RODATA, $8

// _board_putc writes the byte in X21 to the NS16550A UART at UART0_BASE,
// once its transmit holding register is empty (LSR.THRE). Uses X18 and X20,
// returns to RA: no stack, no g, no gp, and no compressed instruction (its
// registers are outside x8-x15, its constant is loaded from memory).
TEXT _board_putc(SB),NOSPLIT|NOFRAME,$0
	MOV	uart0<>(SB), X18
wait:
	MOVBU	const_uartLSR(X18), X20
	ANDI	$const_uartLSR_THRE, X20, X20
	BEQ	X20, X0, wait
	MOVB	X21, const_uartTHR(X18)
	RET
