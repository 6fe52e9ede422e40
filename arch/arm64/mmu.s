// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.
//
// Adapted from github.com/usbarmory/tamago arm64/mmu.s (BSD-3-Clause, Copyright (c) The TamaGo Authors).

//go:build tamago && arm64

#include "go_asm.h"
#include "textflag.h"
#include "arm64.h"

// mmu_build writes the identity map described in mmu.go into pageTables and
// stores the address of its L1 table in ttbr. The boot CPU calls it from
// cpuinit, with the MMU off, before any Go code. It uses R0-R13 and no
// stack. Called with BL.
TEXT ·mmu_build(SB),NOSPLIT|NOFRAME,$0
	// R0 = L1 table, 4 KiB aligned inside pageTables; R1 = L2 table
	MOVD	$·pageTables(SB), R0
	ADD	$(const_pageSize-1), R0
	AND	$~(const_pageSize-1), R0
	MOVD	R0, ·ttbr(SB)
	ADD	$const_pageSize, R0, R1

	// R4 = RAM start, R5 = RAM end
	MOVD	runtime∕goos·RamStart(SB), R4
	MOVD	runtime∕goos·RamSize(SB), R5
	ADD	R4, R5, R5

	// R8 = normal block attributes, R9 = device block attributes, with
	// AP[1] set at EL2 (RES1 there)
	MOVD	$const_normalBlock, R8
	MOVD	$const_deviceBlock, R9
	CURRENT_EL(R6)
	CMP	$2, R6
	BNE	l1
	ORR	$const_apEL2, R8
	ORR	$const_apEL2, R9

l1:
	// R6, R7 = the device tree, [_early_dtb, +dtbMaxSize): normal memory
	// too, wherever the firmware put it, for Go to read it (0: none)
	MOVD	_early_dtb(SB), R6
	ADD	$const_dtbMaxSize, R6, R7
	CBNZ	R6, tables
	MOVD	ZR, R7
tables:
	// L1[0] -> L2 table
	ORR	$const_TTE_TABLE, R1, R2
	MOVD	R2, (R0)

	// L1[1..511]: 1 GiB blocks
	MOVD	$1, R10
l1loop:
	LSL	$const_l1Shift, R10, R11	// R11 = block address
	ADD	$(1<<const_l1Shift), R11, R13	// R13 = block end
	ORR	R9, R11, R12			// device...
	CMP	R5, R11
	BHS	l1dtb				// ...if it starts at or above RAM end
	CMP	R4, R13
	BHI	l1normal				// ...or ends at or below RAM start
l1dtb:
	CMP	R7, R11
	BHS	l1store				// ...and does not hold the device tree
	CMP	R6, R13
	BLS	l1store
l1normal:
	ORR	R8, R11, R12			// normal memory otherwise
l1store:
	MOVD	R12, (R0)(R10<<3)
	ADD	$1, R10
	CMP	$const_tableSize, R10
	BNE	l1loop

	// L2[0] invalid: traps nil pointers
	MOVD	ZR, (R1)

	// L2[1..511]: 2 MiB blocks of the first GiB
	MOVD	$1, R10
l2loop:
	LSL	$const_l2Shift, R10, R11
	ADD	$(1<<const_l2Shift), R11, R13
	ORR	R9, R11, R12			// device...
	CMP	R5, R11
	BHS	l2dtb				// ...if it starts at or above RAM end
	CMP	R4, R13
	BHI	l2normal				// ...or ends at or below RAM start
l2dtb:
	CMP	R7, R11
	BHS	l2store				// ...and does not hold the device tree
	CMP	R6, R13
	BLS	l2store
l2normal:
	ORR	R8, R11, R12			// normal memory otherwise
l2store:
	MOVD	R12, (R1)(R10<<3)
	ADD	$1, R10
	CMP	$const_tableSize, R10
	BNE	l2loop

	DSB	SY
	RET

// mmu_on turns on the MMU and the caches of the calling CPU with the tables
// at ttbr, at the current exception level: MAIR, TCR and TTBR0 first, then
// SCTLR (Arm ARM, D8 The AArch64 Virtual Memory System Architecture,
// enabling stage 1 translation). Translation is the identity, so the next
// instruction fetch is the same address. Stale TLB entries are invalidated
// first, and the instruction cache: a core released by firmware may hold
// stale lines of it (Arm ARM, D7 cache maintenance, IC IALLU). It uses R0-R4
// and no stack. Called with BL, by cpuinit and apentry.
TEXT ·mmu_on(SB),NOSPLIT|NOFRAME,$0
	MOVD	·ttbr(SB), R1
	MOVD	$const_mair, R2
	CURRENT_EL(R0)
	CMP	$2, R0
	BNE	el1

	MOVD	$const_tcrEL2, R3
	MOVD	$const_sctlrEL2, R4
	DSB	SY
	IC_IALLU
	TLBI	ALLE2
	DSB	SY
	ISB	SY
	MSR_MAIR_EL2(2)
	MSR_TCR_EL2(3)
	MSR_TTBR0_EL2(1)
	ISB	SY
	MSR_SCTLR_EL2(4)		// M, C, I
	ISB	SY
	RET

el1:
	MOVD	$const_tcrEL1, R3
	MOVD	$const_sctlrEL1, R4
	DSB	SY
	IC_IALLU
	TLBI	VMALLE1
	DSB	SY
	ISB	SY
	MSR	R2, MAIR_EL1
	MSR	R3, TCR_EL1
	MSR	R1, TTBR0_EL1
	ISB	SY
	MSR	R4, SCTLR_EL1		// M, C, I
	ISB	SY
	RET
