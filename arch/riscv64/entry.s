// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64 && linkcpuinit

#include "go_asm.h"
#include "textflag.h"

// func cpuinit()
//
// The first instruction of the kernel on every hart (the ELF entry
// _rt0_riscv64_tamago jumps here through runtime/goos.CPUInit).
//
// Where control came from: on QEMU virt every hart starts at the reset
// vector in MROM, which sets a0 = mhartid, a1 = FDT address, a2 =
// &fw_dynamic_info and jumps to 0x80000000, where the boot shim given with
// -bios reads e_entry from the ELF header and jumps here
// (hw/riscv/boot.c). All harts arrive at once, in M-mode, with
// mstatus.MIE = 0 and mstatus.FS = 0 (FPU off), and with no stack.
//
// Register contract on entry: a0 = mhartid, a1 = FDT, a2 = &fw_dynamic_info
// (mhartid is read from the CSR; hart 0 keeps a1 in ·bootFDT).
//
// Where it goes next: hart 0 into the Go runtime (_rt0_tamago_start) on the
// stack at the top of RAM, the other harts into their park loop.
TEXT cpuinit(SB),NOSPLIT|NOFRAME,$0
	// Privileged Architecture, 3.1.6 mstatus and 3.1.9 mip/mie
	CSRRW	X0, MIE, X0			// mie = 0: no interrupt wakes or traps
	CSRRCI	$const_MSTATUS_MIE, MSTATUS, X0	// interrupts stay globally disabled
	MOV	$const_MSTATUS_FS_INITIAL, T0
	CSRRS	T0, MSTATUS, X0			// enable the FPU: Go uses the F and D registers

	// Privileged Architecture, 3.1.7 mtvec: direct mode, every trap to
	// ·trap (Go aligns functions to 8 bytes, mtvec needs 4)
	MOV	$·trap(SB), T0
	CSRRW	T0, MTVEC, X0

	CSRRS	X0, MHARTID, T0
	BNEZ	T0, secondary

	// Hart 0: keep the FDT address for SMP.NumCPU
	MOV	A1, ·bootFDT(SB)

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
	// a hart without a mailbox halts for good
	MOV	$const_MaxHarts, T1
	BGEU	T0, T1, halt

	// S2 = &mailboxes[mhartid], S3 = &MSIP[mhartid]
	MOV	$mailbox__size, T1
	MUL	T0, T1
	MOV	$·mailboxes(SB), S2
	ADD	T1, S2
	SLL	$2, T0, T1
	MOV	$const_CLINT_MSIP, S3
	ADD	T1, S3

	// count this hart in (SMP.NumCPU)
	MOV	$1, T1
	MOVW	T1, mailbox_parked(S2)
	MOV	$·nparked(SB), T2
	AMOADDW	T1, (T2), X0

	// only the machine software interrupt wakes the hart from WFI
	// (Privileged Architecture, 3.3.3 Wait for Interrupt: WFI resumes
	// when mip & mie != 0, whatever mstatus.MIE)
	MOV	$const_MIE_MSIE, T1
	CSRRW	T1, MIE, X0

park:
	WORD	$0x10500073			// wfi
	MOVW	X0, (S3)			// clear our MSIP
	FENCE					// then look at the mailbox
	MOV	mailbox_fn(S2), T1
	BEQZ	T1, park			// a spurious wake-up: sleep again

	// fn was published with release order after sp, g and base
	FENCE
	CSRRW	X0, MIE, X0			// mie = 0: done with wake-ups

	MOV	mailbox_sp(S2), X2
	MOV	mailbox_g(S2), g
	MOV	mailbox_base(S2), GP		// per-CPU register

	// online: everything is set, the hart is about to run Go code
	MOV	$1, T2
	FENCE
	MOVW	T2, mailbox_online(S2)

	JMP	(T1)				// runtime·mstart

halt:
	CSRRW	X0, MIE, X0
	WORD	$0x10500073			// wfi
	JMP	halt
