// Devices of the QEMU arm64 boards of the SMP kernel, aarch64
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

#include "go_asm.h"
#include "textflag.h"

// the SYS_EXIT parameter block {reason, status}
GLOBL exitBlock<>(SB), NOPTR, $16

// _board_exit ends the run through semihosting SYS_EXIT with the status in
// R0 (see exit.go): QEMU calls exit(3) with it. Uses R0-R2; no stack.
TEXT _board_exit(SB),NOSPLIT|NOFRAME,$0
	MOVD	$exitBlock<>(SB), R1
	MOVD	$const_ADP_Stopped_ApplicationExit, R2
	MOVD	R2, 0(R1)
	MOVD	R0, 8(R1)
	MOVD	$const_SYS_EXIT, R0
	HLT	$const_semihostingHLT
	// only reached if QEMU returned: wait with interrupts masked
	MSR	$0xf, DAIFSet
loop:
	WFE
	B	loop
