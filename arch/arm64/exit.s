// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

#include "go_asm.h"
#include "textflag.h"

// func semihosting_exit(code int32)
TEXT ·semihosting_exit(SB),NOSPLIT,$16-4
	// parameter block {reason, code} on this frame
	MOVD	$const_ADP_Stopped_ApplicationExit, R0
	MOVD	R0, block-16(SP)
	MOVW	code+0(FP), R0
	MOVD	R0, block-8(SP)

	MOVD	$const_SYS_EXIT, R0
	MOVD	$block-16(SP), R1
	HLT	$const_semihostingHLT
	// only reached if QEMU returned: wait with interrupts masked
	MSR	$0xf, DAIFSet
loop:
	WFE
	B	loop
