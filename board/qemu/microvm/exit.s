// QEMU microvm board for the SMP kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

#include "go_asm.h"
#include "textflag.h"

// _board_exit writes the exit code in AX to isa-debug-exit (see exit.go).
// Its instructions decode the same in 32-bit and 64-bit mode.
TEXT _board_exit(SB),NOSPLIT|NOFRAME,$0
	MOVW	$const_DEBUG_EXIT_PORT, DX
	OUTL
	// no isa-debug-exit device: stop here
	CLI
halt:
	HLT
	JMP	halt
