// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.
//
// Adapted from github.com/usbarmory/tamago arm64/init.s (BSD-3-Clause, Copyright (c) The TamaGo Authors).

//go:build tamago && arm64 && linkcpuinit

#include "go_asm.h"
#include "textflag.h"
#include "arm64.h"

// cpuinit is the first code the boot CPU runs (runtime∕goos·CPUInit jumps
// here from the ELF entry, _rt0_arm64_tamago).
//
// Where control came from: QEMU loaded the ELF and started CPU 0 at its entry
// at EL2 (virt,virtualization=on) or EL1 (virt), AArch64, with the MMU and
// caches off, DAIF masked, SP and every per-CPU system register unset; the
// other CPUs are powered off behind PSCI. TamaGo's own cpuinit stops here
// unless at EL3.
//
// What it does:
//  1. SP = the top of earlyStack, inside the image, which is in RAM.
//  2. cpu_setup: exception vectors first, then HCR_EL2 (EL2), FP/SIMD
//     access, timer event stream.
//  3. mmu_build + mmu_on: the identity map (mmu.go), caches on. Go code
//     needs Normal memory: it issues unaligned and exclusive accesses and
//     DC ZVA, which fault on Device memory (all memory with the MMU off).
//  4. earlycheck (early.go, nosplit Go on earlyStack): CNTFRQ_EL0 must be
//     set and the device tree's RAM must reach RamStart + RamSize, or one
//     line and exit.
//  5. SP = RamStart + RamSize - RamStackOffset, as TamaGo's cpuinit.
//  6. cpuHWID[0] = this CPU's MPIDR affinity, then the per-CPU register
//     (TPIDR_EL2 at EL2, TPIDR_EL1 at EL1) = area 0, _percpu_start rounded
//     up to linker.AreaAlign.
//
// Where it goes next: _rt0_tamago_start, the Go runtime's rt0 (g0 on this
// stack, hwinit0, schedinit, hwinit1, main).
TEXT cpuinit(SB),NOSPLIT|NOFRAME,$0
	MOVD	$·earlyStack(SB), R1
	ADD	$const_earlyStackSize, R1
	AND	$~15, R1
	MOVD	R1, RSP

	BL	·cpu_setup(SB)
	BL	·mmu_build(SB)
	BL	·mmu_on(SB)

	MOVD	ZR, R29
	BL	·earlycheck(SB)

	MOVD	runtime∕goos·RamStart(SB), R1
	MOVD	runtime∕goos·RamSize(SB), R2
	MOVD	runtime∕goos·RamStackOffset(SB), R3
	ADD	R1, R2
	SUB	R3, R2
	MOVD	R2, RSP

	// cpuHWID[0] = this CPU's MPIDR affinity: logical CPU 0
	MRS	MPIDR_EL1, R0
	MOVD	$const_mpidrAffinity, R1
	AND	R1, R0
	ORR	$const_hwidValid, R0
	MOVD	R0, ·cpuHWID(SB)

	MOVD	$_percpu_start(SB), R0
	ADD	$(const_areaAlign-1), R0
	AND	$~(const_areaAlign-1), R0
	BL	·set_tpidr(SB)

	B	_rt0_tamago_start(SB)
