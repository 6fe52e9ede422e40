// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.
//
// Adapted from github.com/usbarmory/tamago arm64/timer.s (BSD-3-Clause, Copyright (c) The TamaGo Authors).

//go:build tamago && arm64

#include "textflag.h"
#include "arm64.h"

// func read_cntfrq() uint32
TEXT ·read_cntfrq(SB),NOSPLIT,$0-4
	// Arm ARM, CNTFRQ_EL0, Counter-timer Frequency register
	ISB	SY
	MRS	CNTFRQ_EL0, R0
	MOVW	R0, ret+0(FP)
	RET

// func read_cntpct() uint64
TEXT ·read_cntpct(SB),NOSPLIT,$0-8
	// Arm ARM, CNTPCT_EL0, Counter-timer Physical Count register; the ISB
	// keeps the read from being taken early
	ISB	SY
	MRS	CNTPCT_EL0, R0
	MOVD	R0, ret+0(FP)
	RET
