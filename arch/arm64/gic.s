// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

#include "textflag.h"
#include "arm64.h"

// func mmio_read32(addr uint64) uint32
TEXT ·mmio_read32(SB),NOSPLIT,$0-12
	MOVD	addr+0(FP), R0
	MOVWU	(R0), R1
	MOVW	R1, ret+8(FP)
	RET

// func mmio_write32(addr uint64, val uint32)
TEXT ·mmio_write32(SB),NOSPLIT,$0-12
	MOVD	addr+0(FP), R0
	MOVWU	val+8(FP), R1
	DSB	SY
	MOVW	R1, (R0)
	DSB	SY
	RET

// func read_igrpen1() uint64
TEXT ·read_igrpen1(SB),NOSPLIT,$0-8
	MRS	ICC_IGRPEN1_EL1, R0
	MOVD	R0, ret+0(FP)
	RET

// gic_cpuif_on opens the calling CPU's GICv3 CPU interface (system
// registers, IHI 0069 12.2): every priority passes the mask, Group 1 is
// signalled.
//
// func gic_cpuif_on()
TEXT ·gic_cpuif_on(SB),NOSPLIT,$0-0
	MOVD	$0xff, R0
	MSR	R0, ICC_PMR_EL1
	MOVD	$1, R0
	MSR	R0, ICC_IGRPEN1_EL1
	ISB	SY
	RET

// wfi_timer arms the EL1 physical timer ticks from now (CNTP_TVAL_EL0,
// CNTP_CTL_EL0.ENABLE with IMASK clear) and waits for its interrupt with
// WFI, interrupts masked, then disables the timer, which drops the
// interrupt (Arm ARM, D11 The Generic Timer in AArch64 state).
//
// func wfi_timer(ticks uint64)
TEXT ·wfi_timer(SB),NOSPLIT,$0-8
	MOVD	ticks+0(FP), R0
	MSR	R0, CNTP_TVAL_EL0
	MOVD	$1, R1
	MSR	R1, CNTP_CTL_EL0
	ISB	SY
	WFI
	MSR	ZR, CNTP_CTL_EL0
	ISB	SY
	RET
