// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.
//
// Adapted from github.com/usbarmory/tamago arm64/exception.s (BSD-3-Clause, Copyright (c) The TamaGo Authors).

//go:build tamago && arm64

#include "go_asm.h"
#include "textflag.h"
#include "arm64.h"

// Vector table entry: the offset of the vector in R0, then the common report.
// Each entry is 0x80 bytes (Arm ARM, D1 The AArch64 System Level
// Programmers' Model, Exception vectors).
#define VECTOR(off)	MOVD $off, R0; B ·exception(SB); PCALIGN $0x80

// vectors is the table in VBAR_EL2 (or VBAR_EL1) of every CPU, 2 KiB aligned.
// Nothing returns from it: interrupts stay masked (DAIF) for the life of the
// kernel, so every entry is a fault to report.
//
// func vectors()
TEXT ·vectors(SB),NOSPLIT|NOFRAME,$0
	PCALIGN	$0x800
	// current EL with SP_EL0
	VECTOR(0x000)
	VECTOR(0x080)
	VECTOR(0x100)
	VECTOR(0x180)
	// current EL with SP_ELx: where the kernel runs
	VECTOR(0x200)
	VECTOR(0x280)
	VECTOR(0x300)
	VECTOR(0x380)
	// lower EL, AArch64
	VECTOR(0x400)
	VECTOR(0x480)
	VECTOR(0x500)
	VECTOR(0x580)
	// lower EL, AArch32
	VECTOR(0x600)
	VECTOR(0x680)
	VECTOR(0x700)
	VECTOR(0x780)

// PUTC writes the byte in R20 to the board's console (_board_putc, see
// board.go). Uses R19, R22 and LR.
#define PUTC	BL _board_putc(SB)

// The print routines keep their return address in R25 across PUTC.

// exc_puts prints the Go string at R20 (pointer) and R21 (length).
// Uses R19-R23, R25. Called with BL.
TEXT ·exc_puts(SB),NOSPLIT|NOFRAME,$0
	MOVD	LR, R25
	MOVD	R20, R23
	ADD	R20, R21
loop:
	CMP	R21, R23
	BHS	done
	MOVBU.P	1(R23), R20
	PUTC
	B	loop
done:
	MOVD	R25, LR
	RET

// exc_puthex prints R20 as 0x followed by hexadecimal digits, without
// leading zeros. Uses R19-R25. Called with BL.
TEXT ·exc_puthex(SB),NOSPLIT|NOFRAME,$0
	MOVD	LR, R25
	MOVD	R20, R23
	MOVD	$'0', R20
	PUTC
	MOVD	$'x', R20
	PUTC
	// R24 = shift of the first non-zero nibble, 0 for the value 0
	ORR	$1, R23, R24
	CLZ	R24, R24
	MOVD	$63, R21
	SUB	R24, R21, R24
	AND	$~3, R24
digit:
	LSR	R24, R23, R20
	AND	$0xf, R20
	CMP	$10, R20
	BLO	decimal
	ADD	$('a'-10-'0'), R20
decimal:
	ADD	$'0', R20
	PUTC
	SUBS	$4, R24
	BPL	digit
done:
	MOVD	R25, LR
	RET

// exc_putdec prints R20 in decimal if it is below 100, in hexadecimal
// otherwise. Uses R19-R25. Called with BL.
TEXT ·exc_putdec(SB),NOSPLIT|NOFRAME,$0
	CMP	$100, R20
	BLO	small
	B	·exc_puthex(SB)
small:
	MOVD	LR, R25
	MOVD	$10, R21
	UDIV	R21, R20, R23	// R23 = tens
	MSUB	R21, R20, R23, R24	// R24 = units = R20 - R23*10
	CBZ	R23, units
	ADD	$'0', R23, R20
	PUTC
units:
	ADD	$'0', R24, R20
	PUTC
done:
	MOVD	R25, LR
	RET

// PRINT prints the Go string variable s.
#define PRINT(s)	MOVD s+0(SB), R20; MOVD s+8(SB), R21; BL ·exc_puts(SB)

// exception reports the exception that brought the CPU to vector offset R0
// and exits QEMU with ExceptionStatus.
//
// Where control came from: any vector, with the faulting context's registers
// except R0 (and R27, used by SB-relative loads). The CPU is named by its
// logical id, the index of its MPIDR_EL1 affinity in cpuHWID (the boot CPU
// from cpuinit on, an AP from its CPU_ON on), and by that affinity. It trusts neither the
// stack nor g: it uses registers, the syndrome registers of the current
// level, and global variables only.
TEXT ·exception(SB),NOSPLIT|NOFRAME,$0
	MOVD	LR, R6		// R6 = LR of the faulting code
	MOVD	RSP, R7		// R7 = its SP (same level, SP_ELx)
	CURRENT_EL(R4)		// R4 = EL
	CMP	$2, R4
	BNE	el1
	MRS_ESR_EL2(1)
	MRS_ELR_EL2(2)
	MRS_FAR_EL2(3)
	B	cpu
el1:
	MRS	ESR_EL1, R1
	MRS	ELR_EL1, R2
	MRS	FAR_EL1, R3

cpu:
	// R8 = MPIDR_EL1 affinity | hwidValid, this CPU's entry in cpuHWID;
	// R5 = its index there, the logical CPU id, or MaxCPUs if this CPU
	// is not there (printed as "?")
	MRS	MPIDR_EL1, R8
	MOVD	$const_mpidrAffinity, R9
	AND	R9, R8
	ORR	$const_hwidValid, R8
	MOVD	$·cpuHWID(SB), R10
	MOVD	ZR, R5
find:
	MOVD.P	8(R10), R11
	CMP	R11, R8
	BEQ	lock
	ADD	$1, R5
	CMP	$const_MaxCPUs, R5
	BLO	find

	// take the report lock: excLock = R8, non-zero and this CPU's own
lock:
	MOVD	$·excLock(SB), R10
	LDAXR	(R10), R12
	CBNZ	R12, busy
	STLXR	R8, (R10), R13
	CBNZW	R13, lock

	PRINT(·excText)
	CMP	$const_MaxCPUs, R5
	BHS	unknown
	MOVD	R5, R20
	BL	·exc_putdec(SB)
	B	el
unknown:
	PRINT(·excUnknownCPU)
el:
	PRINT(·excELText)
	MOVD	R4, R20
	BL	·exc_putdec(SB)
	PRINT(·excVecText)
	MOVD	R0, R20
	BL	·exc_puthex(SB)
	MOVD	$·excKinds(SB), R10
	UBFX	$7, R0, $2, R11		// 0 sync, 1 irq, 2 fiq, 3 serror
	ADD	R11<<4, R10		// a Go string is 16 bytes
	MOVD	0(R10), R20
	MOVD	8(R10), R21
	BL	·exc_puts(SB)
	PRINT(·excESRText)
	MOVD	R1, R20
	BL	·exc_puthex(SB)
	PRINT(·excELRText)
	MOVD	R2, R20
	BL	·exc_puthex(SB)
	PRINT(·excFARText)
	MOVD	R3, R20
	BL	·exc_puthex(SB)
	PRINT(·excLRText)
	MOVD	R6, R20
	BL	·exc_puthex(SB)
	PRINT(·excSPText)
	MOVD	R7, R20
	BL	·exc_puthex(SB)
	PRINT(·excMPIDRText)
	AND	$~const_hwidValid, R8, R20
	BL	·exc_puthex(SB)
	PRINT(·excEOL)

exit:
	MOVD	$const_ExceptionStatus, R0
	B	_board_exit(SB)

busy:
	// This CPU holds the lock (R12 == R11): it faulted again while
	// reporting, exit without the rest of the report. Otherwise another
	// CPU is reporting: wait for it to end QEMU.
	CMP	R8, R12
	BEQ	exit
park:
	WFE
	B	park

// fatal_el reports an exception level this package cannot run at (EL0 or
// EL3: QEMU virt with secure=on) and stops the machine with EarlyStatus.
// Called from cpu_setup with the level in R0, before any stack or vector.
TEXT ·fatal_el(SB),NOSPLIT|NOFRAME,$0
	MOVD	R0, R4
	PRINT(·excELFatal)
	MOVD	R4, R20
	BL	·exc_putdec(SB)
	PRINT(·excEOL)
	MOVD	$const_EarlyStatus, R0
	B	_board_exit(SB)
