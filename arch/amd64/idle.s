// x86_64 SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

#include "go_asm.h"
#include "textflag.h"
#include "amd64.h"

// idleTick is the local APIC timer's interrupt handler (idleVector): it
// only ends the HLT of haltFor. It writes EOI (Intel SDM Vol. 3A, 11.8.5
// Signaling Interrupt Servicing Completion) and returns.
TEXT ·idleTick(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	AX
	MOVQ	$const_LAPIC_EOI, AX
	MOVL	$0, (AX)
	POPQ	AX
	IRETQ

// spuriousTick handles the spurious-interrupt vector: no EOI (Intel SDM
// Vol. 3A, 11.9 Spurious Interrupt).
TEXT ·spuriousTick(SB),NOSPLIT|NOFRAME,$0
	IRETQ

// func idleTickPC() uintptr
PC_FUNC(·idleTickPC, ·idleTick)

// func spuriousTickPC() uintptr
PC_FUNC(·spuriousTickPC, ·spuriousTick)

// func lapicTimerInit()
//
// Software-enables the calling CPU's local APIC (an AP's is disabled after
// INIT) and sets its timer to one-shot, idleVector, divide by 1, stopped.
// Clobbers AX only, so that apRelease can call it.
TEXT ·lapicTimerInit(SB),NOSPLIT|NOFRAME,$0
	MOVQ	$const_LAPIC_SVR, AX
	MOVL	$(const_svrEnable|const_spuriousVector), (AX)
	MOVQ	$const_LAPIC_TMR_DCR, AX
	MOVL	$const_tmrDivide1, (AX)
	MOVQ	$const_LAPIC_LVT_TMR, AX
	MOVL	$const_idleVector, (AX)
	RET

// func haltFor(count uint32)
//
// Starts the one-shot timer with count and halts until an interrupt. STI
// holds interrupts off until after the next instruction (Intel SDM Vol.
// 2B, STI), so a timer that fires before the HLT still ends it. Leaves
// interrupts as they were.
TEXT ·haltFor(SB),NOSPLIT,$0-4
	PUSHFQ
	CLI
	MOVL	count+0(FP), AX
	MOVQ	$const_LAPIC_TMR_ICR, BX
	MOVL	AX, (BX)
	STI
	HLT
	POPFQ
	RET
