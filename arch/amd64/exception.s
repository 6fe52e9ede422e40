// x86_64 SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

#include "go_asm.h"
#include "textflag.h"
#include "amd64.h"

// PUTS writes the faultText string at offset off of faultStrings.
#define PUTS(off) \
	MOVQ	·faultText+(off)(SB), SI; \
	MOVQ	·faultText+(off+8)(SB), R12; \
	CALL	fault_puts<>(SB)

// PUTHEX writes the faultRecord field at offset off as 16 hex digits.
#define PUTHEX(off) \
	MOVQ	·faultRecord+(off)(SB), BX; \
	CALL	fault_puthex<>(SB)

// func faultVectors()
//
// The IDT entries of vectors 0-31 (but 2 and 7) point into this table (see
// EnableFaultReports): the entry of vector v is at faultVectors + 5*v and
// calls faultEntry, which finds v from the return address. The same scheme
// as TamaGo's irqHandler.
TEXT ·faultVectors(SB),NOSPLIT|NOFRAME,$0
	CALL	·faultEntry(SB)	//  0 #DE divide error
	CALL	·faultEntry(SB)	//  1 #DB debug
	CALL	·faultEntry(SB)	//  2 NMI (left to TamaGo)
	CALL	·faultEntry(SB)	//  3 #BP breakpoint
	CALL	·faultEntry(SB)	//  4 #OF overflow
	CALL	·faultEntry(SB)	//  5 #BR bound range
	CALL	·faultEntry(SB)	//  6 #UD invalid opcode
	CALL	·faultEntry(SB)	//  7 #NM device not available (left to TamaGo)
	CALL	·faultEntry(SB)	//  8 #DF double fault
	CALL	·faultEntry(SB)	//  9 coprocessor segment overrun
	CALL	·faultEntry(SB)	// 10 #TS invalid TSS
	CALL	·faultEntry(SB)	// 11 #NP segment not present
	CALL	·faultEntry(SB)	// 12 #SS stack fault
	CALL	·faultEntry(SB)	// 13 #GP general protection
	CALL	·faultEntry(SB)	// 14 #PF page fault
	CALL	·faultEntry(SB)	// 15 reserved
	CALL	·faultEntry(SB)	// 16 #MF x87 floating point
	CALL	·faultEntry(SB)	// 17 #AC alignment check
	CALL	·faultEntry(SB)	// 18 #MC machine check
	CALL	·faultEntry(SB)	// 19 #XM SIMD floating point
	CALL	·faultEntry(SB)	// 20 #VE virtualization
	CALL	·faultEntry(SB)	// 21 #CP control protection
	CALL	·faultEntry(SB)	// 22 reserved
	CALL	·faultEntry(SB)	// 23 reserved
	CALL	·faultEntry(SB)	// 24 reserved
	CALL	·faultEntry(SB)	// 25 reserved
	CALL	·faultEntry(SB)	// 26 reserved
	CALL	·faultEntry(SB)	// 27 reserved
	CALL	·faultEntry(SB)	// 28 #HV hypervisor injection
	CALL	·faultEntry(SB)	// 29 #VC VMM communication
	CALL	·faultEntry(SB)	// 30 #SX security
	CALL	·faultEntry(SB)	// 31 reserved

// func faultEntry()
//
// Where control came from: a processor exception on any CPU, through an
// interrupt gate (IF cleared) and the CALL of its faultVectors entry. The
// stack holds, from SP: the return address into faultVectors, the error
// code for the vectors in faultErrorCodes, then RIP, CS, RFLAGS, RSP and SS
// of the interrupted code (Intel SDM Vol. 3A, 6.14.2 64-Bit Mode Stack
// Frame). Nothing else about the interrupted context is trusted: no g, no
// per-CPU area, no Go code.
//
// What it does: the first CPU to get here takes faultOwner, saves the frame,
// CR2 and GS_BASE in faultRecord, switches to faultStack and prints the
// report line on COM1 (see EnableFaultReports). A CPU that faults while
// another one reports halts; a fault inside the report exits at once.
//
// Where it goes next: the board's exit device (_board_exit, board.go) with
// ExceptionStatus; it never returns to the interrupted code.
TEXT ·faultEntry(SB),NOSPLIT|NOFRAME,$0
	CLI

	// R15 = vector = (return address - faultVectors) / 5 - 1
	MOVQ	0(SP), AX
	MOVQ	$·faultVectors(SB), CX
	SUBQ	CX, AX
	XORL	DX, DX
	MOVQ	$const_faultVectorSize, CX
	DIVQ	CX
	DECQ	AX
	MOVQ	AX, R15

	// R14 = the interrupted RIP's slot, R13 = error code (or 0)
	LEAQ	8(SP), R14
	XORL	R13, R13
	MOVQ	$const_faultErrorCodes, AX
	MOVQ	R15, CX
	SHRQ	CX, AX
	TESTQ	$1, AX
	JEQ	apic
	MOVQ	0(R14), R13
	ADDQ	$8, R14

apic:
	// R12 = this CPU's APIC ID
	APIC_ID(R10, R11)		// amd64.h
	MOVL	DX, R12

	// faultOwner: 0 -> APIC ID + 1
	LEAQ	1(R12), BX
	XORL	AX, AX
	LOCK
	CMPXCHGL	BX, ·faultOwner(SB)
	JEQ	owner
	CMPL	AX, BX
	JEQ	exit			// a fault while this CPU reports: stop now
stop:
	// another CPU reports and will stop the machine
	HLT
	JMP	stop

owner:
	// CX = logical id: the index of APIC ID + 1 in apicTable; 0 while
	// the table is empty (before Prepare only the boot CPU runs); else
	// ^0, printed as "?"
	LEAQ	1(R12), BX
	MOVQ	$·apicTable(SB), SI
	XORL	CX, CX
search:
	CMPQ	CX, $const_MaxCPUs
	JAE	notfound
	CMPQ	BX, (SI)(CX*8)
	JEQ	logical
	INCQ	CX
	JMP	search
notfound:
	XORL	CX, CX
	CMPQ	(SI), $0
	JEQ	logical
	MOVQ	$-1, CX
logical:
	MOVQ	CX, ·faultRecord+faultFrame_cpu(SB)
	MOVQ	R12, ·faultRecord+faultFrame_apicID(SB)
	MOVQ	R15, ·faultRecord+faultFrame_vector(SB)
	MOVQ	R13, ·faultRecord+faultFrame_code(SB)
	MOVQ	0(R14), AX
	MOVQ	AX, ·faultRecord+faultFrame_rip(SB)
	MOVQ	8(R14), AX
	MOVQ	AX, ·faultRecord+faultFrame_cs(SB)
	MOVQ	16(R14), AX
	MOVQ	AX, ·faultRecord+faultFrame_rflags(SB)
	MOVQ	24(R14), AX
	MOVQ	AX, ·faultRecord+faultFrame_rsp(SB)
	MOVQ	CR2, AX
	MOVQ	AX, ·faultRecord+faultFrame_cr2(SB)
	MOVL	$const_MSR_GS_BASE, CX
	RDMSR				// EDX:EAX = IA32_GS_BASE
	SHLQ	$32, DX
	ORQ	DX, AX
	MOVQ	AX, ·faultRecord+faultFrame_gsBase(SB)

	MOVQ	$·faultStack(SB), SP
	ADDQ	$const_faultStackSize, SP

	PUTS(faultStrings_cpu)
	MOVQ	·faultRecord+faultFrame_cpu(SB), BX
	CMPQ	BX, $-1
	JNE	known
	PUTS(faultStrings_unknown)
	JMP	apicid
known:
	CALL	fault_putdec<>(SB)
apicid:
	PUTS(faultStrings_apic)
	MOVQ	·faultRecord+faultFrame_apicID(SB), BX
	CALL	fault_putdec<>(SB)

	PUTS(faultStrings_vector)
	MOVQ	·faultRecord+faultFrame_vector(SB), BX
	CALL	fault_putdec<>(SB)

	PUTS(faultStrings_open)
	MOVQ	·faultNames(SB), SI	// 4 bytes per vector, 3 printed
	MOVQ	·faultRecord+faultFrame_vector(SB), AX
	LEAQ	(SI)(AX*4), SI
	MOVQ	$3, R12
	CALL	fault_puts<>(SB)
	PUTS(faultStrings_close)

	PUTS(faultStrings_code)
	PUTHEX(faultFrame_code)
	PUTS(faultStrings_rip)
	PUTHEX(faultFrame_rip)
	PUTS(faultStrings_rsp)
	PUTHEX(faultFrame_rsp)
	PUTS(faultStrings_rflags)
	PUTHEX(faultFrame_rflags)

	MOVQ	·faultRecord+faultFrame_vector(SB), AX
	CMPQ	AX, $14			// #PF: CR2 holds the faulting address
	JNE	gs
	PUTS(faultStrings_cr2)
	PUTHEX(faultFrame_cr2)
gs:
	PUTS(faultStrings_gs)
	PUTHEX(faultFrame_gsBase)
	PUTS(faultStrings_end)

exit:
	MOVL	$const_ExceptionStatus, AX
	JMP	_board_exit(SB)

// fault_putc<> writes the byte in R11 to COM1, after at most faultSpin
// polls of the transmitter (the byte is dropped without a UART).
// Uses AX, DX, R10; returns with RET.
TEXT fault_putc<>(SB),NOSPLIT|NOFRAME,$0
	MOVL	$const_faultSpin, R10
	MOVW	$const_faultLSR, DX
wait:
	INB
	TESTB	$const_faultTHRE, AL
	JNE	ready
	DECL	R10
	JNE	wait
	RET
ready:
	MOVW	$const_faultTHR, DX
	MOVQ	R11, AX
	OUTB
	RET

// fault_puts<> writes the R12 bytes at SI to COM1.
// Uses AX, DX, R10, R11, R12, SI.
TEXT fault_puts<>(SB),NOSPLIT|NOFRAME,$0
next:
	TESTQ	R12, R12
	JEQ	done
	MOVBQZX	(SI), R11
	CALL	fault_putc<>(SB)
	INCQ	SI
	DECQ	R12
	JMP	next
done:
	RET

// fault_puthex<> writes BX as 16 hexadecimal digits to COM1.
// Uses AX, CX, DX, R10, R11.
TEXT fault_puthex<>(SB),NOSPLIT|NOFRAME,$0
	MOVQ	$60, CX
digit:
	MOVQ	BX, R11
	SHRQ	CX, R11
	ANDQ	$15, R11
	CMPQ	R11, $10
	JLT	decimal
	ADDQ	$('a'-'0'-10), R11
decimal:
	ADDQ	$'0', R11
	CALL	fault_putc<>(SB)
	SUBQ	$4, CX
	JGE	digit
	RET

// fault_putdec<> writes BX (below 10^18) in decimal to COM1.
// Uses AX, BX, DX, R9, R10, R11, R13.
TEXT fault_putdec<>(SB),NOSPLIT|NOFRAME,$0
	MOVQ	$10, R13
	MOVQ	$1, R9
scale:
	// R9 = the largest power of ten <= BX (1 for 0)
	MOVQ	R9, AX
	MULQ	R13
	CMPQ	AX, BX
	JHI	digit
	MOVQ	AX, R9
	JMP	scale
digit:
	MOVQ	BX, AX
	XORL	DX, DX
	DIVQ	R9			// AX = this digit, DX = the rest
	MOVQ	DX, BX
	MOVQ	AX, R11
	ADDQ	$'0', R11
	CALL	fault_putc<>(SB)
	MOVQ	R9, AX
	XORL	DX, DX
	DIVQ	R13
	MOVQ	AX, R9
	TESTQ	R9, R9
	JNE	digit
	RET

// func faultVectorsPC() uintptr
PC_FUNC(·faultVectorsPC, ·faultVectors)
