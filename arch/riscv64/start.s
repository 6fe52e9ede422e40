// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64 && linkcpuinit

#include "go_asm.h"
#include "textflag.h"

// func bootstart()
//
// The last steps of the boot hart before the Go runtime, in either mode,
// from cpuinit (entry.s, entry_sbi.s) once bootFDT, bootHart and the
// runtime clock are set: the RAM check, gp, the stack at the top of RAM.
TEXT ·bootstart(SB),NOSPLIT|NOFRAME,$0
	// the RAM the FDT describes must hold the runtime's (early.go:
	// ramcheck, nosplit Go on earlyStack, 16-byte aligned)
	MOV	$·earlyStack(SB), T0
	ADD	$const_earlyStackSize, T0
	AND	$~15, T0
	MOV	T0, X2
	CALL	·ramcheck(SB)

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
