// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

#include "go_asm.h"
#include "textflag.h"

// Messages of the trap report, NUL-terminated.
DATA excCPU<>+0(SB)/8, $"\r\nexcept"
DATA excCPU<>+8(SB)/8, $"ion: cpu"
DATA excCPU<>+16(SB)/8, $" \x00\x00\x00\x00\x00\x00\x00"
GLOBL excCPU<>(SB), RODATA, $24
DATA excNoCPU<>+0(SB)/8, $"?\x00\x00\x00\x00\x00\x00\x00"
GLOBL excNoCPU<>(SB), RODATA, $8
DATA excHart<>+0(SB)/8, $" hart=\x00\x00"
GLOBL excHart<>(SB), RODATA, $8
DATA excCause<>+0(SB)/8, $" mcause="
DATA excCause<>+8(SB)/8, $"0x\x00\x00\x00\x00\x00\x00"
GLOBL excCause<>(SB), RODATA, $16
DATA excEPC<>+0(SB)/8, $" mepc=0x"
DATA excEPC<>+8(SB)/8, $"\x00\x00\x00\x00\x00\x00\x00\x00"
GLOBL excEPC<>(SB), RODATA, $16
DATA excVal<>+0(SB)/8, $" mtval=0"
DATA excVal<>+8(SB)/8, $"x\x00\x00\x00\x00\x00\x00\x00"
GLOBL excVal<>(SB), RODATA, $16
DATA excEnd<>+0(SB)/8, $"\r\n\x00\x00\x00\x00\x00\x00"
GLOBL excEnd<>(SB), RODATA, $8

// The print routines below write with ·uart_putc (ns16550.s): the byte in
// X21 to the UART at X18, using X20.

// FIELD prints the message text, then the value of csr with put.
#define FIELD(text, csr, put)	MOV $text(SB), A1; CALL exc_puts<>(SB); CSRRS X0, csr, A2; CALL put(SB)

// Only the first trapping hart reports: the word holds its mhartid + 1
// and is never cleared.
GLOBL excLock<>(SB), NOPTR, $4

// func exception()
//
// The machine trap vector of every hart (mtvec, direct mode), installed by
// cpuinit. Interrupts stay disabled (mstatus.MIE = 0), so only exceptions
// arrive here: an illegal instruction, an access fault, a misaligned
// access, ECALL or EBREAK, from Go code, from cpuinit or from a parked hart.
//
// Nothing about the interrupted context is trusted: the handler uses no
// stack, no g and no gp. It prints
//
//	exception: cpu <logical id> hart=<mhartid> mcause=0x<16 hex> mepc=0x<16 hex> mtval=0x<16 hex>
//
// The logical CPU id comes from the hart table, not from gp: 0 for the
// boot hart, the mailbox published in its slot for a woken hart, "?" for a
// hart that never was (a trap before the boot lottery, or on a parked
// hart).
//
// on the UART given to SetExceptionDevices and stops the machine through the
// SiFive test finisher with ExceptionStatus (Privileged Architecture, 3.1.15
// mcause, 3.1.14 mepc, 3.1.16 mtval). It never returns.
//
// A trap on another hart while one reports waits for that report to stop
// the machine; a trap inside the report (on the reporting hart) stops the
// machine at once with the same status, the rest of the line unprinted.
TEXT ·exception(SB),NOSPLIT|NOFRAME,$0
	// excLock = mhartid + 1, if no hart holds it yet
	MOV	$excLock<>(SB), T0
	CSRRS	X0, MHARTID, T1
	ADD	$1, T1
lock:
	LRW	(T0), T2
	BNEZ	T2, busy
	SCW	T1, (T0), T2
	BNEZ	T2, lock

	MOV	_exception_uart(SB), X18
	BEQZ	X18, exit

	MOV	$excCPU<>(SB), A1
	CALL	exc_puts<>(SB)
	CALL	exc_cpu<>(SB)
	FIELD(excHart<>, MHARTID, exc_putdec<>)
	FIELD(excCause<>, MCAUSE, exc_puthex<>)
	FIELD(excEPC<>, MEPC, exc_puthex<>)
	FIELD(excVal<>, MTVAL, exc_puthex<>)

	MOV	$excEnd<>(SB), A1
	CALL	exc_puts<>(SB)

exit:
	MOV	_exception_test(SB), T0
	BEQZ	T0, sleep
	MOV	$(const_ExceptionStatus<<16 | const_finisherFail), T1
	FENCE
	MOVW	T1, (T0)
	JMP	sleep

busy:
	// T2 = the holder's mhartid + 1: this hart faulted in its own report
	BEQ	T1, T2, exit
sleep:
	CSRRW	X0, MIE, X0
	WORD	$0x10500073		// wfi
	JMP	sleep

// exc_puts<> writes the NUL-terminated string at A1 to the UART at X18.
// Uses A1, X20, X21, S3; returns to RA (kept in S3).
TEXT exc_puts<>(SB),NOSPLIT|NOFRAME,$0
	MOV	RA, S3
next:
	MOVBU	(A1), X21
	BEQZ	X21, done
	CALL	·uart_putc(SB)
	ADD	$1, A1
	JMP	next
done:
	MOV	S3, RA
	RET

// exc_puthex<> writes A2 as 16 hexadecimal digits to the UART at X18.
// Uses T0, T2, T3, X20, X21, S3; returns to RA (kept in S3).
TEXT exc_puthex<>(SB),NOSPLIT|NOFRAME,$0
	MOV	RA, S3
	MOV	$60, T2
digit:
	SRL	T2, A2, T0
	AND	$15, T0
	MOV	$10, T3
	BLTU	T0, T3, decimal
	ADD	$('a'-'0'-10), T0
decimal:
	ADD	$'0', T0, X21
	CALL	·uart_putc(SB)
	SUB	$4, T2
	BGE	T2, X0, digit
	MOV	S3, RA
	RET

// exc_putdec<> writes A2 in decimal to the UART at X18.
// Uses T0, T2, T3, A2, X20, X21, S3; returns to RA (kept in S3).
TEXT exc_putdec<>(SB),NOSPLIT|NOFRAME,$0
	MOV	RA, S3
	// T2 = the largest power of ten <= A2 (1 for 0)
	MOV	$1, T2
	MOV	$10, T3
scale:
	MUL	T3, T2, T0
	BLTU	A2, T0, digit
	MOV	T0, T2
	JMP	scale
digit:
	DIVU	T2, A2, T0
	REMU	T2, A2, A2
	ADD	$'0', T0, X21
	CALL	·uart_putc(SB)
	DIVU	T3, T2, T2
	BNEZ	T2, digit
	MOV	S3, RA
	RET

// exc_cpu<> writes the logical CPU id of this hart, or "?", to the UART at
// X18. Uses T0-T3, A1, A2, X20, X21, S3, S6; returns to RA (kept in S6).
TEXT exc_cpu<>(SB),NOSPLIT|NOFRAME,$0
	MOV	RA, S6
	CSRRS	X0, MHARTID, T0

	// the boot hart, once the lottery is drawn, is cpu 0
	MOVWU	·lottery(SB), T1
	BEQZ	T1, unknown
	MOV	·bootHart(SB), T1
	MOV	$0, A2
	BEQ	T0, T1, print

	// a woken hart: its slot names its mailbox, &mailboxes[cpu]
	MOV	$const_HartTable, T1
	BGEU	T0, T1, unknown
	MOV	$hartSlot__size, T1
	MUL	T1, T0
	MOV	$·hartSlots(SB), T1
	ADD	T1, T0
	MOV	hartSlot_mailbox(T0), A2
	BEQZ	A2, unknown
	MOV	$·mailboxes(SB), T1
	SUB	T1, A2
	MOV	$mailbox__size, T1
	DIVU	T1, A2
print:
	CALL	exc_putdec<>(SB)
	MOV	S6, RA
	RET
unknown:
	MOV	$excNoCPU<>(SB), A1
	CALL	exc_puts<>(SB)
	MOV	S6, RA
	RET
