// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

#include "go_asm.h"
#include "textflag.h"
#include "riscv64.h"

// func raise_msip(addr uint64)
TEXT ·raise_msip(SB),NOSPLIT,$0-8
	MOV	addr+0(FP), T0

	// MSIP = 1 (ACLINT v1.0, 2.1 MSIP registers), after every earlier
	// store to memory (the hart's mailbox and slot)
	MOV	$1, T1
	FENCE
	MOVW	T1, (T0)
	RET

// apentry is where every hart but the boot hart goes from cpuinit
// (entry.s), having lost the boot lottery.
//
// Where control came from: cpuinit, at reset, in M-mode with mie = 0,
// mstatus.MIE = 0, the FPU on, mtvec at the trap vector, and no stack.
//
// What it does, with no stack and no g:
//  1. finds its slot in the hart table by mhartid (a hart without one
//     halts for good, counted in nlost and named by SMP.CPUs);
//  2. the reset park: WFI with only the machine software interrupt
//     enabled, until SMP.Wake publishes a mailbox in its slot and raises
//     its MSIP;
//  3. woken: gp = the mailbox's per-CPU area base, then parked = 1;
//  4. the park loop: WFI until SMP.Enter publishes fn;
//  5. enter: SP = g0's stack, g (x27) = g0, online = 1.
//
// Where it goes next: fn, runtime·mstart, which never returns.
TEXT ·apentry(SB),NOSPLIT|NOFRAME,$0
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

	// only the machine software interrupt wakes the hart from WFI
	// (Privileged Architecture, 3.3.3 Wait for Interrupt: WFI resumes
	// when mip & mie != 0, whatever mstatus.MIE)
	MOV	$const_MIE_MSIE, T1
	CSRRW	T1, MIE, X0

	// the reset park: sleep until SMP.Wake publishes a mailbox
reset_park:
	MOV	hartSlot_mailbox(S2), S3
	BNEZ	S3, woken
	WFI
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
	WFI
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
	WFI
	JMP	halt
