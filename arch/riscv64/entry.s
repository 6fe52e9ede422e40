// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64 && linkcpuinit

#include "go_asm.h"
#include "textflag.h"
#include "riscv64.h"

// the misa bits of the extensions the kernel needs, loaded from memory:
// a constant this large would take a LUI, compressible into c.lui
DATA misaNeed<>+0(SB)/8, $const_misaNeed
GLOBL misaNeed<>(SB), RODATA, $8

// func cpuinit()
//
// The first instruction of the kernel on every hart (the ELF entry
// _rt0_riscv64_tamago jumps here through runtime/goos.CPUInit; both jumps
// are 32-bit instructions).
//
// Where control came from: on QEMU virt every hart starts at the reset
// vector in MROM, which sets a0 = mhartid, a1 = FDT address, a2 =
// &fw_dynamic_info and jumps to 0x80000000, where the boot shim given with
// -bios reads e_entry from the ELF header and jumps here
// (hw/riscv/boot.c). All harts arrive at once, in M-mode, with
// mstatus.MIE = 0 and mstatus.FS = 0 (FPU off), and with no stack.
//
// Register contract on entry: a0 = mhartid, a1 = FDT, a2 = &fw_dynamic_info
// (mhartid is read from the CSR; the boot hart keeps a1 in ·bootFDT).
//
// Where it goes next: the boot hart into the Go runtime (_rt0_tamago_start)
// on the stack at the top of RAM, the other harts into their reset park
// (apentry, smp.s).
//
// In S-mode (the sbi build tag, riscv64.h), instead: the SBI firmware
// (OpenSBI) enters cpuinit on the boot hart alone, which it chose (by
// lottery on most boards), in S-mode with a0 = its hart id, a1 = the FDT,
// satp = 0 and sstatus.SIE = 0 (SBI v1.0; the Linux RISC-V boot protocol,
// Documentation/arch/riscv/boot.rst). The other harts stay stopped in the
// firmware until SMP.Wake starts them with SBI HSM hart_start (sbientry,
// sbi.s). misa cannot be read: ramcheck checks the device tree's
// riscv,isa first (isacheck).
TEXT cpuinit(SB),NOSPLIT|NOFRAME,$0
#ifdef const_supervisor
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

#else
	// Up to isa_ok, no compressed instruction: on a hart without the C
	// extension the first one would trap. Only T registers (not
	// compressible as x8-x15 are), no ADDI with rd = rs1, no MOV between
	// registers, no small constants (c.li, c.lui); `go tool objdump -s
	// cpuinit` shows every instruction 4 bytes long up to isa_ok.

	// Privileged Architecture, 3.1.9 mip/mie: no interrupt wakes or traps
	CSRRW	X0, MIE, X0

	// Privileged Architecture, 3.1.7 mtvec: direct mode, every trap to
	// ·exception from here on (Go aligns functions to 8 bytes, mtvec needs 4)
	MOV	$·exception(SB), T0
	CSRRW	T0, MTVEC, X0

	// Privileged Architecture, 3.1.1 misa: every extension the compiler
	// emits must be there (misa = 0 means not implemented: no check);
	// a hart without one stays out of the boot lottery (early.s)
	CSRRS	X0, MISA, T0
	BEQ	T0, X0, isa_ok
	MOV	misaNeed<>(SB), T1
	AND	T0, T1, T2
	BEQ	T1, T2, isa_ok
	JMP	early_isa(SB)			// early.s

isa_ok:
	CSRRCI	$const_MSTATUS_MIE, MSTATUS, X0	// interrupts stay globally disabled
	MOV	$const_MSTATUS_FS_INITIAL, T0
	CSRRS	T0, MSTATUS, X0			// enable the FPU: Go uses the F and D registers

	// the boot lottery: the first hart to swap in 1 boots the kernel
	MOV	$·lottery(SB), T0
	MOV	$1, T1
	AMOSWAPW T1, (T0), T1
	BEQZ	T1, boot
	JMP	·apentry(SB)			// smp.s: every other hart parks

boot:

	// the boot hart: keep its id and the FDT address for package boot
	CSRRS	X0, MHARTID, T0
	MOV	T0, ·bootHart(SB)
	MOV	A1, ·bootFDT(SB)

	// the runtime clock reads the board's CLINT (board.go) until the
	// device tree names the boot hart's, at the board's timebase
	MOV	_board_clint(SB), T0
	MOV	$const_clintMTIME, T1
	ADD	T1, T0
	MOV	T0, ·mtimeAddr(SB)
	MOV	_board_timebase(SB), T0
	MOV	$1000000000, T1
	DIVU	T0, T1, T1
	MOV	T1, ·nsPerTick(SB)

#endif
	// the RAM the FDT describes must hold the runtime's (early.go:
	// ramcheck, nosplit Go on earlyStack, 16-byte aligned; in S-mode
	// it checks riscv,isa first)
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
