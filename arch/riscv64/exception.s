// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

#include "go_asm.h"
#include "textflag.h"
#include "riscv64.h"

// Messages of the trap report, NUL-terminated.
DATA excCPU<>+0(SB)/8, $"\r\nexcept"
DATA excCPU<>+8(SB)/8, $"ion: cpu"
DATA excCPU<>+16(SB)/8, $" \x00\x00\x00\x00\x00\x00\x00"
GLOBL excCPU<>(SB), RODATA, $24
DATA excNoCPU<>+0(SB)/8, $"?\x00\x00\x00\x00\x00\x00\x00"
GLOBL excNoCPU<>(SB), RODATA, $8
DATA excHart<>+0(SB)/8, $" hart=\x00\x00"
GLOBL excHart<>(SB), RODATA, $8
#ifdef const_supervisor
#define MODE $'s'
#else
#define MODE $'m'
#endif
DATA excCause<>+0(SB)/1, $" "
DATA excCause<>+1(SB)/1, MODE
DATA excCause<>+2(SB)/6, $"cause="
DATA excCause<>+8(SB)/8, $"0x\x00\x00\x00\x00\x00\x00"
GLOBL excCause<>(SB), RODATA, $16
DATA excEPC<>+0(SB)/1, $" "
DATA excEPC<>+1(SB)/1, MODE
DATA excEPC<>+2(SB)/6, $"epc=0x"
DATA excEPC<>+8(SB)/8, $"\x00\x00\x00\x00\x00\x00\x00\x00"
GLOBL excEPC<>(SB), RODATA, $16
DATA excVal<>+0(SB)/1, $" "
DATA excVal<>+1(SB)/1, MODE
DATA excVal<>+2(SB)/6, $"tval=0"
DATA excVal<>+8(SB)/8, $"x\x00\x00\x00\x00\x00\x00\x00"
GLOBL excVal<>(SB), RODATA, $16
DATA excEnd<>+0(SB)/8, $"\r\n\x00\x00\x00\x00\x00\x00"
GLOBL excEnd<>(SB), RODATA, $8

// The report is written with the print routines of board.s: uart_puts
// (the string at X19), uart_puthex and uart_putdec (the value in X23), to
// the board's console.

// FIELD prints the message text, then the value of csr with put.
#define FIELD(text, csr, put)	MOV $text(SB), X19; CALL ·uart_puts(SB); CSRRS X0, csr, X23; CALL put(SB)

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
// on the board's console and stops the machine through the board's exit
// device (board.go) with ExceptionStatus (Privileged Architecture, 3.1.15
// mcause, 3.1.14 mepc, 3.1.16 mtval). It never returns.
//
// The logical CPU id comes from the hart table, not from gp: 0 for the
// boot hart, the mailbox published in its slot for a woken hart, "?" for a
// hart that never was (a trap before the boot lottery, or on a parked
// hart).
//
// A trap on another hart while one reports waits for that report to stop
// the machine; a trap inside the report (on the reporting hart) stops the
// machine at once with the same status, the rest of the line unprinted.
TEXT ·exception(SB),NOSPLIT|NOFRAME,$0
	// excLock = mhartid + 1, if no hart holds it yet
	MOV	$excLock<>(SB), T0
	CSRRS	X0, CSR_HARTID, T1
	ADD	$1, T1
lock:
	LRW	(T0), T2
	BNEZ	T2, busy
	SCW	T1, (T0), T2
	BNEZ	T2, lock

	MOV	$excCPU<>(SB), X19
	CALL	·uart_puts(SB)
	CALL	exc_cpu<>(SB)
	FIELD(excHart<>, CSR_HARTID, ·uart_putdec)
	FIELD(excCause<>, CSR_CAUSE, ·uart_puthex)
	FIELD(excEPC<>, CSR_EPC, ·uart_puthex)
	FIELD(excVal<>, CSR_TVAL, ·uart_puthex)

	MOV	$excEnd<>(SB), X19
	CALL	·uart_puts(SB)

exit:
	ORI	$const_ExceptionStatus, X0, X19
	JMP	_board_exit(SB)

busy:
	// T2 = the holder's mhartid + 1: this hart faulted in its own report
	BEQ	T1, T2, exit
sleep:
	CSRRW	X0, CSR_IE, X0
	WFI
	JMP	sleep

// exc_cpu<> writes the logical CPU id of this hart, or "?", to the UART at
// X18. Uses T0-T2 and what uart_puts and uart_putdec use; returns to RA
// (kept in X29, which they do not use).
TEXT exc_cpu<>(SB),NOSPLIT|NOFRAME,$0
	MOV	RA, X29
	CSRRS	X0, CSR_HARTID, T0

	// the boot hart, once the lottery is drawn, is cpu 0
	MOVWU	·lottery(SB), T1
	BEQZ	T1, unknown
	MOV	·bootHart(SB), T1
	MOV	$0, X23
	BEQ	T0, T1, print

	// a woken hart: its slot names its mailbox, &mailboxes[cpu]
	MOV	$const_HartTable, T1
	BGEU	T0, T1, unknown
	MOV	$hartSlot__size, T1
	MUL	T1, T0
	MOV	$·hartSlots(SB), T1
	ADD	T1, T0
	MOV	hartSlot_mailbox(T0), X23
	BEQZ	X23, unknown
	MOV	$·mailboxes(SB), T1
	SUB	T1, X23
	MOV	$mailbox__size, T1
	DIVU	T1, X23
print:
	CALL	·uart_putdec(SB)
	MOV	X29, RA
	RET
unknown:
	MOV	$excNoCPU<>(SB), X19
	CALL	·uart_puts(SB)
	MOV	X29, RA
	RET
