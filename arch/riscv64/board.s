// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

#include "go_asm.h"
#include "textflag.h"

// func Putc(c byte)
TEXT ·Putc(SB),NOSPLIT,$0-1
	MOVBU	c+0(FP), X21
	CALL	_board_putc(SB)
	RET

// func board_exit(code int32)
TEXT ·board_exit(SB),NOSPLIT,$0-4
	MOVWU	code+0(FP), X19
	JMP	_board_exit(SB)

// The print routines below write with the board's _board_putc (board.go),
// which uses X18 and X20, for the exception report
// and the reports of cpuinit (early.s): no stack, no g, no gp, and no
// compressed instruction. Each keeps its return address in X28 (T3) across
// the calls to _board_putc: it must not be called with a live X28.

// uart_puts writes the NUL-terminated string at X19 to the console.
// Uses X18-X22, X28; returns to RA. No compressed instruction.
TEXT ·uart_puts(SB),NOSPLIT|NOFRAME,$0
	OR	RA, X0, X28
	ORI	$-1, X0, X22
next:
	MOVBU	(X19), X21
	BEQ	X21, X0, done
	CALL	_board_putc(SB)
	SUB	X22, X19, X19			// X19 + 1
	JMP	next
done:
	OR	X28, X0, RA
	RET

// uart_puthex writes X23 as 16 hexadecimal digits to the console.
// Uses X18, X20, X21, X24-X26, X28; returns to RA. No compressed instruction.
TEXT ·uart_puthex(SB),NOSPLIT|NOFRAME,$0
	OR	RA, X0, X28
	ORI	$60, X0, X24
	ORI	$4, X0, X25
	ORI	$10, X0, X26
digit:
	SRL	X24, X23, X20
	ANDI	$15, X20, X20
	ADDI	$'0', X20, X21
	BLTU	X20, X26, put
	ADDI	$('a'-10), X20, X21
put:
	CALL	_board_putc(SB)
	SUB	X25, X24, X24
	BGE	X24, X0, digit
	OR	X28, X0, RA
	RET

// uart_putdec writes X23 in decimal to the console.
// Uses X18, X20, X21, X23-X26, X28; returns to RA. No compressed instruction.
TEXT ·uart_putdec(SB),NOSPLIT|NOFRAME,$0
	OR	RA, X0, X28
	// X24 = the largest power of ten <= X23 (1 for 0)
	ORI	$1, X0, X24
	ORI	$10, X0, X26
scale:
	MUL	X26, X24, X25
	BLTU	X23, X25, digit
	OR	X25, X0, X24
	JMP	scale
digit:
	DIVU	X24, X23, X21
	REMU	X24, X23, X23
	ADDI	$'0', X21, X21
	CALL	_board_putc(SB)
	DIVU	X26, X24, X24
	BNE	X24, X0, digit
	OR	X28, X0, RA
	RET
