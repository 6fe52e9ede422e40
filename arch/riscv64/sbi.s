// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64 && sbi

#include "go_asm.h"
#include "textflag.h"
#include "riscv64.h"

// func sbi_call(ext, fid, a0, a1, a2 uint64) (err int64, val uint64)
//
// An SBI call (SBI v1.0, 3 Binary Encoding): a7 = extension, a6 =
// function, ECALL; the firmware returns a0 = error, a1 = value and keeps
// every other register.
TEXT ·sbi_call(SB),NOSPLIT,$0-56
	MOV	ext+0(FP), A7
	MOV	fid+8(FP), A6
	MOV	a0+16(FP), A0
	MOV	a1+24(FP), A1
	MOV	a2+32(FP), A2
	ECALL
	MOV	A0, err+40(FP)
	MOV	A1, val+48(FP)
	RET

// func read_mtime() uint64
//
// The time CSR (rdtime): mtime, as the firmware lets S-mode read it.
TEXT ·read_mtime(SB),NOSPLIT,$0-8
	CSRRS	X0, TIME, T0
	MOV	T0, ret+0(FP)
	RET

// func wait_timer(until uint64)
//
// SBI set_timer(until), which also clears a pending sip.STIP, then WFI with
// the supervisor timer interrupt alone enabled in sie, sstatus.SIE staying
// 0: no trap is taken (Privileged Architecture, 3.3.3 Wait for Interrupt).
TEXT ·wait_timer(SB),NOSPLIT,$0-8
	MOVBU	·hasTime(SB), T0
	BEQZ	T0, done
	MOV	until+0(FP), A0
	MOV	$const_sbiTime, A7
	MOV	$const_sbiSetTimer, A6
	ECALL
	MOV	$const_SIE_STIE, T0
	CSRRS	T0, SIE, X0
	WFI
	CSRRC	T0, SIE, X0
done:
	RET

// func sbientry_pc() uint64
TEXT ·sbientry_pc(SB),NOSPLIT,$0-8
	MOV	$·sbientry(SB), T0
	MOV	T0, ret+0(FP)
	RET

// sbientry is where SBI HSM hart_start starts a hart (SMP.Wake).
//
// Where control came from: the firmware, in S-mode with a0 = hart id, a1 =
// opaque = &mailboxes[cpu], satp = 0, sstatus.SIE = 0, and no stack (SBI
// v1.0, 9.1 hart_start).
//
// What it does, with no stack and no g: points stvec at the trap vector,
// keeps its hart id in sscratch (riscv64.h), turns the FPU on, sets gp to
// the mailbox's per-CPU area base and marks itself parked; then, as
// apentry (smp.s), sleeps in WFI with only the supervisor software
// interrupt enabled until SMP.Enter publishes fn and sends an SBI IPI,
// loads SP and g (x27), marks itself online and jumps to fn,
// runtime·mstart.
TEXT ·sbientry(SB),NOSPLIT|NOFRAME,$0
	CSRRW	X0, SIE, X0
	MOV	$·exception(SB), T0
	CSRRW	T0, STVEC, X0
	CSRRW	A0, SSCRATCH, X0
	MOV	$const_MSTATUS_FS_INITIAL, T0
	CSRRS	T0, SSTATUS, X0

	// per-CPU register first, then answer
	MOV	A1, S3
	MOV	mailbox_base(S3), GP
	MOV	$const_SIE_SSIE, T1
	CSRRW	T1, SIE, X0
	MOV	$1, T1
	FENCE
	MOVW	T1, mailbox_parked(S3)

	// the park loop: sleep until SMP.Enter publishes the entry point
park:
	FENCE
	MOV	mailbox_fn(S3), T1
	BNEZ	T1, enter
	WFI
	CSRRCI	$const_SIP_SSIP, SIP, X0	// clear the IPI
	JMP	park

enter:
	// fn was published with release order after sp and g
	FENCE
	CSRRW	X0, SIE, X0			// sie = 0: done with wake-ups

	MOV	mailbox_sp(S3), X2
	MOV	mailbox_g(S3), g

	MOV	$1, T2
	FENCE
	MOVW	T2, mailbox_online(S3)

	JMP	(T1)				// runtime·mstart
