// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64 && linkcpuinit

#include "go_asm.h"
#include "textflag.h"

// The reports cpuinit makes before the Go runtime runs: one console line on
// the UART the board named at link time (_exception_uart) and a non-zero exit
// through the SiFive test finisher (_exception_test), never a silent hang.
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
DATA earlyExit<>+0(SB)/8, $(const_EarlyStatus<<16 | const_finisherFail)
GLOBL earlyExit<>(SB), RODATA, $8

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

DATA ramMsg<>+0(SB)/8, $"\r\nriscv6"
DATA ramMsg<>+8(SB)/8, $"4: RAM t"
DATA ramMsg<>+16(SB)/8, $"oo small"
DATA ramMsg<>+24(SB)/8, $": \x00\x00\x00\x00\x00\x00"
GLOBL ramMsg<>(SB), RODATA, $32
DATA ramFound<>+0(SB)/8, $" MiB fro"
DATA ramFound<>+8(SB)/8, $"m 0x\x00\x00\x00\x00"
GLOBL ramFound<>(SB), RODATA, $16
DATA ramNeed<>+0(SB)/8, $" in the "
DATA ramNeed<>+8(SB)/8, $"device t"
DATA ramNeed<>+16(SB)/8, $"ree /mem"
DATA ramNeed<>+24(SB)/8, $"ory, the"
DATA ramNeed<>+32(SB)/8, $" kernel "
DATA ramNeed<>+40(SB)/8, $"needs \x00\x00"
GLOBL ramNeed<>(SB), RODATA, $48
DATA ramNeed2<>+0(SB)/8, $" MiB (go"
DATA ramNeed2<>+8(SB)/8, $"os.RamSi"
DATA ramNeed2<>+16(SB)/8, $"ze, and "
DATA ramNeed2<>+24(SB)/8, $"2 MiB ab"
DATA ramNeed2<>+32(SB)/8, $"ove it f"
DATA ramNeed2<>+40(SB)/8, $"or the d"
DATA ramNeed2<>+48(SB)/8, $"evice tr"
DATA ramNeed2<>+56(SB)/8, $"ee)\r\n\x00\x00\x00"
GLOBL ramNeed2<>(SB), RODATA, $64
DATA fdtInside<>+0(SB)/8, $"\r\nriscv6"
DATA fdtInside<>+8(SB)/8, $"4: RAM: "
DATA fdtInside<>+16(SB)/8, $"the devi"
DATA fdtInside<>+24(SB)/8, $"ce tree "
DATA fdtInside<>+32(SB)/8, $"at 0x\x00\x00\x00"
GLOBL fdtInside<>(SB), RODATA, $40
DATA fdtEnd<>+0(SB)/8, $" lies in"
DATA fdtEnd<>+8(SB)/8, $" the ker"
DATA fdtEnd<>+16(SB)/8, $"nel's RA"
DATA fdtEnd<>+24(SB)/8, $"M (goos."
DATA fdtEnd<>+32(SB)/8, $"RamStart"
DATA fdtEnd<>+40(SB)/8, $", RamSiz"
DATA fdtEnd<>+48(SB)/8, $"e)\r\n\x00\x00\x00\x00"
GLOBL fdtEnd<>(SB), RODATA, $56

DATA memoryName<>+0(SB)/8, $"memory\x00\x00"
GLOBL memoryName<>(SB), RODATA, $8
DATA regName<>+0(SB)/8, $"reg\x00\x00\x00\x00\x00"
GLOBL regName<>(SB), RODATA, $8

// Only the first hart to fail reports; the word is never cleared.
GLOBL earlyLock<>(SB), NOPTR, $4

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

	MOV	$earlyLock<>(SB), X28
	ORI	$1, X0, X29
	AMOSWAPW X29, (X28), X29
	BNE	X29, X0, halt

	MOV	_exception_uart(SB), X18
	BEQ	X18, X0, exit

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
	CALL	·uart_putc(SB)			// ns16550.s
next:
	SUB	X22, X17, X17
	BLT	X17, X24, letter

	MOV	$isaNeeds<>(SB), X19
	CALL	·uart_puts(SB)

exit:
	MOV	_exception_test(SB), X18
	BEQ	X18, X0, halt
	MOV	earlyExit<>(SB), X19
	FENCE
	MOVW	X19, (X18)
halt:
	CSRRW	X0, MIE, X0
	WORD	$0x10500073			// wfi
	JMP	halt

// BE32 loads the big-endian 32-bit word at off(base) into rd (FDT fields
// are big-endian, Devicetree Specification v0.4, 5.1); uses tmp.
#define BE32(off, base, rd, tmp) \
	MOVBU off(base), rd; SLL $24, rd; \
	MOVBU (off+1)(base), tmp; SLL $16, tmp; OR tmp, rd; \
	MOVBU (off+2)(base), tmp; SLL $8, tmp; OR tmp, rd; \
	MOVBU (off+3)(base), tmp; OR tmp, rd

// early_prefix<> sets X20 to 1 if the NUL-terminated string at X19 is a
// prefix of the string at X18, and X18 to the byte after that prefix.
// Uses X18-X22; returns to RA.
TEXT early_prefix<>(SB),NOSPLIT|NOFRAME,$0
	MOV	$0, X20
next:
	MOVBU	(X19), X21
	BEQZ	X21, match
	MOVBU	(X18), X22
	BNE	X21, X22, done
	ADD	$1, X18
	ADD	$1, X19
	JMP	next
match:
	MOV	$1, X20
done:
	RET

// early_ram checks, on the boot hart, that the RAM the device tree at A1
// describes (its /memory nodes, Devicetree Specification v0.4, 3.4) holds
// the Go runtime's RAM, goos.RamStart to RamStart+RamSize, where the
// runtime puts its heap and the boot hart's stack, and that the device
// tree itself lies outside that range (QEMU puts it in the top 2 MiB of
// RAM, hw/riscv/boot.c riscv_compute_fdt_addr). Otherwise it reports
//
//	riscv64: RAM too small: <n> MiB from 0x<start> in the device tree /memory, the kernel needs <m> MiB (...)
//	riscv64: RAM: the device tree at 0x<fdt> lies in the kernel's RAM (...)
//
// and stops the machine with EarlyStatus: with too little RAM the first
// store to the stack would fault before anything is printed.
//
// The RAM found is the run of /memory ranges that covers RamStart, with
// the root's #address-cells = #size-cells = 2 (every riscv64 virt tree);
// without a device tree, or without a reg of that shape, nothing is
// checked. Returns to RA; uses the A, S and T registers (no stack yet).
TEXT early_ram(SB),NOSPLIT|NOFRAME,$0
	MOV	RA, S1

	// a device tree: 8-byte aligned, magic 0xd00dfeed
	BEQZ	A1, ok
	AND	$7, A1, T0
	BNEZ	T0, ok
	BE32(0, A1, T0, T1)
	MOV	$0xd00dfeed, T1
	BNE	T0, T1, ok

	MOV	runtime∕goos·RamStart(SB), A2
	MOV	runtime∕goos·RamSize(SB), A3
	ADD	A2, A3				// A3 = end of the runtime's RAM

	BE32(8, A1, A5, T1)			// off_dt_struct
	ADD	A1, A5
	BE32(12, A1, A6, T1)			// off_dt_strings
	ADD	A1, A6

	MOV	A2, A4				// A4 = end of the RAM found from RamStart
	MOV	$0, A0				// A0 = a /memory reg was read

pass:
	MOV	$0, S0				// S0 = A4 moved in this pass
	MOV	A5, T3				// T3 = token pointer
	MOV	$0, T4				// T4 = depth
	MOV	$0, T5				// T5 = in a /memory node

token:
	BE32(0, T3, T0, T1)
	ADD	$4, T3
	MOV	$1, T1
	BEQ	T0, T1, begin
	MOV	$2, T1
	BEQ	T0, T1, end
	MOV	$3, T1
	BEQ	T0, T1, prop
	MOV	$4, T1
	BEQ	T0, T1, token
	JMP	walked				// FDT_END, or garbage

begin:
	ADD	$1, T4
	MOV	$2, T1
	BNE	T4, T1, skipname
	// a child of the root: "memory" or "memory@..."?
	MOV	T3, X18
	MOV	$memoryName<>(SB), X19
	CALL	early_prefix<>(SB)
	MOV	$0, T5
	BEQZ	X20, skipname
	MOVBU	(X18), T0
	BEQZ	T0, memory
	MOV	$'@', T1
	BNE	T0, T1, skipname
memory:
	MOV	$1, T5
skipname:
	MOVBU	(T3), T0
	ADD	$1, T3
	BNEZ	T0, skipname
	ADD	$3, T3
	AND	$~3, T3
	JMP	token

end:
	MOV	$2, T1
	BNE	T4, T1, up
	MOV	$0, T5
up:
	SUB	$1, T4
	JMP	token

prop:
	BE32(0, T3, T2, T1)			// T2 = value length
	BE32(4, T3, A7, T1)			// A7 = name offset
	ADD	$8, T3
	BEQZ	T5, skipvalue
	MOV	$2, T1
	BNE	T4, T1, skipvalue
	ADD	A6, A7, X18
	MOV	$regName<>(SB), X19
	CALL	early_prefix<>(SB)
	BEQZ	X20, skipvalue
	MOVBU	(X18), T0
	BNEZ	T0, skipvalue

	// reg: (address, size) pairs of two cells each
	AND	$15, T2, T0
	BNEZ	T0, skipvalue
	MOV	$1, A0
	MOV	T3, T6
	ADD	T3, T2, X26			// X26 = end of the value
range:
	BGEU	T6, X26, skipvalue
	BE32(0, T6, X20, T1)
	BE32(4, T6, X21, T1)
	SLL	$32, X20
	OR	X21, X20			// X20 = address
	BE32(8, T6, X22, T1)
	BE32(12, T6, X21, T1)
	SLL	$32, X22
	OR	X21, X22
	ADD	X20, X22			// X22 = end of the range
	ADD	$16, T6
	// extends the run if address <= A4 < end
	BLTU	A4, X20, range
	BGEU	A4, X22, range
	MOV	X22, A4
	MOV	$1, S0
	JMP	range

skipvalue:
	ADD	T2, T3
	ADD	$3, T3
	AND	$~3, T3
	JMP	token

walked:
	BNEZ	S0, pass			// the run grew: look again
	BEQZ	A0, fdt				// no /memory reg of the expected shape
	BLTU	A4, A3, small

fdt:
	// the device tree must not be overwritten by the heap or the stack
	BLTU	A1, A2, ok
	BLTU	A1, A3, inside
	JMP	ok

small:

	// too little RAM
	MOV	$earlyLock<>(SB), T0
	MOV	$1, T1
	AMOSWAPW T1, (T0), T1
	BNEZ	T1, halt
	MOV	_exception_uart(SB), X18
	BEQZ	X18, exit
	MOV	$ramMsg<>(SB), X19
	CALL	·uart_puts(SB)
	SUB	A2, A4, X23
	SRL	$20, X23
	CALL	·uart_putdec(SB)
	MOV	$ramFound<>(SB), X19
	CALL	·uart_puts(SB)
	MOV	A2, X23
	CALL	·uart_puthex(SB)
	MOV	$ramNeed<>(SB), X19
	CALL	·uart_puts(SB)
	SUB	A2, A3, X23
	SRL	$20, X23
	ADD	$2, X23
	CALL	·uart_putdec(SB)
	MOV	$ramNeed2<>(SB), X19
	CALL	·uart_puts(SB)
	JMP	exit

inside:
	MOV	$earlyLock<>(SB), T0
	MOV	$1, T1
	AMOSWAPW T1, (T0), T1
	BNEZ	T1, halt
	MOV	_exception_uart(SB), X18
	BEQZ	X18, exit
	MOV	$fdtInside<>(SB), X19
	CALL	·uart_puts(SB)
	MOV	A1, X23
	CALL	·uart_puthex(SB)
	MOV	$fdtEnd<>(SB), X19
	CALL	·uart_puts(SB)

exit:
	MOV	_exception_test(SB), X18
	BEQZ	X18, halt
	MOV	earlyExit<>(SB), X19
	FENCE
	MOVW	X19, (X18)
halt:
	CSRRW	X0, MIE, X0
	WORD	$0x10500073			// wfi
	JMP	halt

ok:
	MOV	S1, RA
	RET
