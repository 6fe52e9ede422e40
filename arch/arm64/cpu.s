// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

#include "go_asm.h"
#include "textflag.h"
#include "arm64.h"

// func read_el() uint64
TEXT ·read_el(SB),NOSPLIT,$0-8
	CURRENT_EL(R0)
	MOVD	R0, ret+0(FP)
	RET

// func wfe()
TEXT ·wfe(SB),NOSPLIT,$0-0
	WFE
	RET

// cpu_setup programs the per-CPU state Go needs at the current exception
// level, on the boot CPU (from cpuinit) and on every AP (from apentry): the
// exception vectors first, so that anything after them that faults is
// reported, then interrupt routing, FP/SIMD access and the timer event
// stream. It uses R0 and R1 only, and no stack. Called with BL.
//
// At EL2: VBAR_EL2, HCR_EL2, CPTR_EL2, CNTHCTL_EL2. At EL1: VBAR_EL1,
// CPACR_EL1, CNTKCTL_EL1. At any other level it reports the level and exits
// QEMU (fatal_el).
TEXT ·cpu_setup(SB),NOSPLIT|NOFRAME,$0
	MOVD	$·vectors(SB), R1
	CURRENT_EL(R0)
	CMP	$2, R0
	BEQ	el2
	CMP	$1, R0
	BEQ	el1
	B	·fatal_el(SB)

el2:
	MSR_VBAR_EL2(1)
	ISB	SY

	MOVD	$const_hcrEL2, R1
	MSR_HCR_EL2(1)			// RW, AMO, IMO, FMO

	MOVD	$const_cptrEL2, R1
	MSR_CPTR_EL2(1)			// FP/SIMD not trapped

	MRS_CNTHCTL_EL2(1)
	ORR	$const_eventStream, R1	// EVNTEN, EVNTI
	MSR_CNTHCTL_EL2(1)

	ISB	SY
	RET

el1:
	MSR	R1, VBAR_EL1
	ISB	SY

	MRS	CPACR_EL1, R1
	ORR	$const_cpacrFP, R1	// FPEN = 0b11: FP/SIMD not trapped
	MSR	R1, CPACR_EL1

	MRS	CNTKCTL_EL1, R1
	ORR	$const_eventStream, R1	// EVNTEN, EVNTI
	MSR	R1, CNTKCTL_EL1

	ISB	SY
	RET

// set_tpidr writes R0 into the per-CPU register of the current exception
// level: TPIDR_EL2 at EL2, TPIDR_EL1 at EL1 (the choice package percpu makes
// too). It uses R1. Called with BL.
TEXT ·set_tpidr(SB),NOSPLIT|NOFRAME,$0
	CURRENT_EL(R1)
	CMP	$2, R1
	BNE	el1
	MSR_TPIDR_EL2(0)
	RET
el1:
	MSR	R0, TPIDR_EL1
	RET
