// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64 && linkcpuinit && sbi

#include "go_asm.h"
#include "textflag.h"

// func cpuinit()
//
// The first instruction of the kernel in S-mode (the ELF entry
// _rt0_riscv64_tamago jumps here through runtime/goos.CPUInit).
//
// Where control came from: the SBI firmware (OpenSBI), on the boot hart
// alone, which it chose (by lottery on most boards), in S-mode with a0 =
// its hart id, a1 = the FDT, satp = 0 and sstatus.SIE = 0 (SBI v1.0 and
// the Linux RISC-V boot protocol, Documentation/arch/riscv/boot.rst). The
// other harts stay stopped in the firmware until SMP.Wake starts them with
// SBI HSM hart_start (sbientry, sbi.s).
//
// Where it goes next: the Go runtime, through bootstart (start.s).
TEXT cpuinit(SB),NOSPLIT|NOFRAME,$0
	// Privileged Architecture, 4.1.3 sie: no interrupt wakes or traps
	CSRRW	X0, SIE, X0

	// Privileged Architecture, 4.1.2 stvec: direct mode, every trap to
	// ·exception from here on
	MOV	$·exception(SB), T0
	CSRRW	T0, STVEC, X0

	// the hart id, for ID and the trap report (riscv64.h)
	CSRRW	A0, SSCRATCH, X0

	CSRRCI	$const_SSTATUS_SIE, SSTATUS, X0	// interrupts stay globally disabled
	MOV	$const_MSTATUS_FS_INITIAL, T0
	CSRRS	T0, SSTATUS, X0			// enable the FPU (sstatus.FS, as mstatus.FS)

	// the firmware drew the lottery: this is the boot hart
	MOV	$1, T0
	MOVW	T0, ·lottery(SB)
	MOV	A0, ·bootHart(SB)
	MOV	A1, ·bootFDT(SB)

	// the runtime clock reads the time CSR at the board's timebase
	MOV	_board_timebase(SB), T0
	MOV	$1000000000, T1
	DIVU	T0, T1, T1
	MOV	T1, ·nsPerTick(SB)

	JMP	·bootstart(SB)			// start.s
