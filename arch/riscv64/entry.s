// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64 && linkcpuinit

#include "go_asm.h"
#include "textflag.h"

// the misa bits of the extensions the kernel needs, loaded from memory:
// a constant this large would take a LUI, compressible into c.lui
DATA misaNeed<>+0(SB)/8, $const_misaNeed
GLOBL misaNeed<>(SB), RODATA, $8

// func cpuinit()
//
// The first instruction of the kernel on every hart (the ELF entry
// _rt0_riscv64_tamago jumps here through runtime/goos.CPUInit; both jumps
// are 32-bit instructions).
//
// Where control came from: on QEMU virt every hart starts at the reset
// vector in MROM, which sets a0 = mhartid, a1 = FDT address, a2 =
// &fw_dynamic_info and jumps to 0x80000000, where the boot shim given with
// -bios reads e_entry from the ELF header and jumps here
// (hw/riscv/boot.c). All harts arrive at once, in M-mode, with
// mstatus.MIE = 0 and mstatus.FS = 0 (FPU off), and with no stack.
//
// Register contract on entry: a0 = mhartid, a1 = FDT, a2 = &fw_dynamic_info
// (mhartid is read from the CSR; the boot hart keeps a1 in ·bootFDT).
//
// Where it goes next: the boot hart into the Go runtime (_rt0_tamago_start)
// on the stack at the top of RAM, the other harts into their reset park.
TEXT cpuinit(SB),NOSPLIT|NOFRAME,$0
	// Up to isa_ok, no compressed instruction: on a hart without the C
	// extension the first one would trap. Only T registers (not
	// compressible as x8-x15 are), no ADDI with rd = rs1, no MOV between
	// registers, no small constants (c.li, c.lui); `go tool objdump -s
	// cpuinit` shows every instruction 4 bytes long up to isa_ok.

	// Privileged Architecture, 3.1.9 mip/mie: no interrupt wakes or traps
	CSRRW	X0, MIE, X0

	// Privileged Architecture, 3.1.7 mtvec: direct mode, every trap to
	// ·trap from here on (Go aligns functions to 8 bytes, mtvec needs 4)
	MOV	$·trap(SB), T0
	CSRRW	T0, MTVEC, X0

	// Privileged Architecture, 3.1.1 misa: every extension the compiler
	// emits must be there (misa = 0 means not implemented: no check);
	// a hart without one stays out of the boot lottery (early.s)
	CSRRS	X0, MISA, T0
	BEQ	T0, X0, isa_ok
	MOV	misaNeed<>(SB), T1
	AND	T0, T1, T2
	BEQ	T1, T2, isa_ok
	JMP	early_isa(SB)			// early.s

isa_ok:
	CSRRCI	$const_MSTATUS_MIE, MSTATUS, X0	// interrupts stay globally disabled
	MOV	$const_MSTATUS_FS_INITIAL, T0
	CSRRS	T0, MSTATUS, X0			// enable the FPU: Go uses the F and D registers

	// the boot lottery: the first hart to swap in 1 boots the kernel
	MOV	$·lottery(SB), T0
	MOV	$1, T1
	AMOSWAPW T1, (T0), T1
	BNEZ	T1, secondary

	// the boot hart: keep its id and the FDT address for package boot
	CSRRS	X0, MHARTID, T0
	MOV	T0, ·bootHart(SB)
	MOV	A1, ·bootFDT(SB)

	// the RAM the FDT describes must hold the runtime's (early.s)
	CALL	early_ram(SB)

	// gp = per-CPU area 0, the first areaAlign-aligned address
	// of the linker region (package linker)
	MOV	$_percpu_start(SB), T1
	ADD	$(const_areaAlign-1), T1
	AND	$~(const_areaAlign-1), T1
	MOV	T1, GP

	// stack at the top of RAM, as TamaGo's riscv64 cpuinit
	MOV	runtime∕goos·RamStart(SB), X2
	MOV	runtime∕goos·RamSize(SB), T1
	MOV	runtime∕goos·RamStackOffset(SB), T2
	ADD	T1, X2
	SUB	T2, X2

	JMP	_rt0_tamago_start(SB)

secondary:
	// a hart without a slot halts for good, counted and named for
	// SMP.CPUs
	CSRRS	X0, MHARTID, T0
	MOV	$const_HartTable, T1
	BGEU	T0, T1, lost

	// S2 = &hartSlots[mhartid]
	MOV	$hartSlot__size, T1
	MUL	T0, T1
	MOV	$·hartSlots(SB), S2
	ADD	T1, S2

	// count this hart in (SMP.NumCPU without a device tree)
	MOV	$1, T1
	MOVW	T1, hartSlot_arrived(S2)
	MOV	$·narrived(SB), T2
	AMOADDW	T1, (T2), X0

	// only the machine software interrupt wakes the hart from WFI
	// (Privileged Architecture, 3.3.3 Wait for Interrupt: WFI resumes
	// when mip & mie != 0, whatever mstatus.MIE)
	MOV	$const_MIE_MSIE, T1
	CSRRW	T1, MIE, X0

	// the reset park: sleep until SMP.Wake publishes a mailbox
reset_park:
	MOV	hartSlot_mailbox(S2), S3
	BNEZ	S3, woken
	WORD	$0x10500073			// wfi
	JMP	reset_park

woken:
	// the mailbox was published with release order after its base and
	// msip fields and the slot's
	FENCE
	MOV	hartSlot_msip(S2), S4		// our MSIP, in our socket's CLINT
	MOVW	X0, (S4)			// clear it

	// per-CPU register first, then answer
	MOV	mailbox_base(S3), GP
	MOV	$1, T1
	FENCE
	MOVW	T1, mailbox_parked(S3)

	// the park loop: sleep until SMP.Enter publishes the entry point
park:
	FENCE					// look at the mailbox after clearing MSIP
	MOV	mailbox_fn(S3), T1
	BNEZ	T1, enter
	WORD	$0x10500073			// wfi
	MOVW	X0, (S4)			// clear our MSIP
	JMP	park

enter:
	// fn was published with release order after sp and g
	FENCE
	CSRRW	X0, MIE, X0			// mie = 0: done with wake-ups

	MOV	mailbox_sp(S3), X2
	MOV	mailbox_g(S3), g

	// online: everything is set, the hart is about to run Go code
	MOV	$1, T2
	FENCE
	MOVW	T2, mailbox_online(S3)

	JMP	(T1)				// runtime·mstart

lost:
	MOV	$·lostHart(SB), T1
	MOV	T0, (T1)
	MOV	$·nlost(SB), T1
	MOV	$1, T2
	AMOADDW	T2, (T1), X0
halt:
	CSRRW	X0, MIE, X0
	WORD	$0x10500073			// wfi
	JMP	halt
