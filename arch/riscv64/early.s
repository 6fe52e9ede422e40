// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64 && linkcpuinit

#include "go_asm.h"
#include "textflag.h"
#include "riscv64.h"

// The reports cpuinit makes before the Go runtime runs: one console line and
// a non-zero exit through the board's console and exit device (board.go),
// never a silent hang.
//
// early_isa and the print routines contain no compressed instruction: they
// run on harts without the C extension. They use x16-x26 and x28-x30 only
// (the compressed forms of loads, stores and most ALU operations take
// x8-x15), never an ADDI with rd = rs1 nor a MOV between registers (c.addi,
// c.mv), and build constants with ORI or load them from memory (c.li,
// c.lui). `go tool objdump -s early_ build/riscv64/kernel.elf` shows every
// instruction 4 bytes long.

DATA hartTable<>+0(SB)/8, $const_HartTable
GLOBL hartTable<>(SB), RODATA, $8

DATA isaMsg<>+0(SB)/8, $"\r\nriscv6"
DATA isaMsg<>+8(SB)/8, $"4: misa="
DATA isaMsg<>+16(SB)/8, $"0x\x00\x00\x00\x00\x00\x00"
GLOBL isaMsg<>(SB), RODATA, $24
DATA isaLacks<>+0(SB)/8, $" lacks \x00"
GLOBL isaLacks<>(SB), RODATA, $8
DATA isaNeeds<>+0(SB)/8, $": the ke"
DATA isaNeeds<>+8(SB)/8, $"rnel nee"
DATA isaNeeds<>+16(SB)/8, $"ds rv64i"
DATA isaNeeds<>+24(SB)/8, $"mafdc\r\n\x00"
GLOBL isaNeeds<>(SB), RODATA, $32

// early_isa handles a hart that lacks an extension the kernel needs
// (Privileged Architecture, 3.1.1 misa). T0 = misa, T1 = the misa bits
// needed. Never returns; no compressed instruction.
//
// Another hart may still boot the kernel: SoCs pair application harts with
// a monitor hart that has no F and D (SiFive FU540: E51 rv64imac, U54
// rv64gc). The hart leaves its misa in its slot of the hart table and
// waits a bounded time (2^24 turns of a loop) for a hart that passed the
// check to claim the boot lottery; if one does, it halts, and SMP.CPUs
// reports it as unusable, naming what misa lacks. If none does, it reports
//
//	riscv64: misa=0x<16 hex> lacks <letters>: the kernel needs rv64imafdc
//
// and stops the machine with EarlyStatus.
TEXT early_isa(SB),NOSPLIT|NOFRAME,$0
	// hartSlots[mhartid].misa = misa: SMP.CPUs reports the hart
	CSRRS	X0, MHARTID, X17
	MOV	hartTable<>(SB), X16
	BGEU	X17, X16, bounded
	ORI	$hartSlot__size, X0, X18
	MUL	X18, X17, X18
	MOV	$·hartSlots(SB), X16
	ADD	X16, X18, X19
	MOV	T0, hartSlot_misa(X19)
	FENCE

bounded:
	MOV	$·lottery(SB), X30
	ORI	$1, X0, X25
	SLL	$24, X25, X29
another:
	MOVWU	(X30), X16
	BNE	X16, X0, halt			// a hart with every extension boots
	SUB	X25, X29, X29
	BNE	X29, X0, another

	MOV	$·earlyLock(SB), X28
	ORI	$1, X0, X29
	AMOSWAPW X29, (X28), X29
	BNE	X29, X0, halt

	MOV	$isaMsg<>(SB), X19
	CALL	·uart_puts(SB)
	OR	T0, X0, X23
	CALL	·uart_puthex(SB)
	MOV	$isaLacks<>(SB), X19
	CALL	·uart_puts(SB)

	// one letter per missing bit: bit n is extension 'a'+n
	XORI	$-1, T0, X16
	AND	T1, X16, X16
	ORI	$0, X0, X17
	ORI	$-1, X0, X22
	ORI	$26, X0, X24
letter:
	SRL	X17, X16, X20
	ANDI	$1, X20, X20
	BEQ	X20, X0, next
	ADDI	$'a', X17, X21
	CALL	_board_putc(SB)			// board.go
next:
	SUB	X22, X17, X17
	BLT	X17, X24, letter

	MOV	$isaNeeds<>(SB), X19
	CALL	·uart_puts(SB)

	JMP	·early_stop(SB)
halt:
	JMP	·early_halt(SB)

// func early_stop()
//
// early_stop stops the machine through the board's exit device with
// EarlyStatus. No compressed instruction.
TEXT ·early_stop(SB),NOSPLIT|NOFRAME,$0
	ORI	$const_EarlyStatus, X0, X19
	JMP	_board_exit(SB)

// func early_halt()
//
// early_halt stops this hart: interrupts off, WFI forever. No compressed
// instruction.
TEXT ·early_halt(SB),NOSPLIT|NOFRAME,$0
	CSRRW	X0, CSR_IE, X0
sleep:
	WFI
	JMP	sleep
