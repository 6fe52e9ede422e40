// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

#include "go_asm.h"
#include "textflag.h"
#include "arm64.h"

// apentry is where PSCI CPU_ON starts an AP (SMP.Wake, SMP.Enter);
// apentry_spin, below, is where the spin table releases one.
//
// Where control came from: QEMU's PSCI (or firmware) powered the core on at
// this address, at EL2 (EL1 without virtualization), AArch64, with the MMU
// and caches off, DAIF masked, SP undefined, and X0 = the context of
// CPU_ON: the address of the CPU's mailbox (DEN0022, 5.1.4 CPU_ON; QEMU
// target/arm/arm-powerctl.c, arm_set_cpu_on). No per-CPU system register
// holds anything of ours: CPU_ON resets the core, also when Enter powers it
// on a second time.
//
// What it does, with no stack:
//  1. the state cpuinit gives the boot CPU (cpu_setup: vectors first, then
//     HCR_EL2, CPTR_EL2 or CPACR_EL1, timer event stream; mmu_on: the boot
//     CPU's identity map, caches on). Nothing is read from the mailbox
//     before the caches are on, so both sides see it coherently.
//  2. the per-CPU register (TPIDR_EL2 or TPIDR_EL1) = mailbox base, before
//     anything else Go can see.
//  3. if fn is already published (Enter powered it on again), straight
//     to 5.
//  4. parks: state = parked (store-release), then waits for fn with WFE
//     (Enter signals SEV after its store-release of fn; the timer event
//     stream ends every WFE within one period anyway). After park ticks of
//     the counter (SMP.ParkOff) without fn it moves state from parked to asleep (an
//     exclusive pair, so that Enter sees either) and powers itself off
//     with PSCI CPU_OFF: a parked core then costs nothing (QEMU's WFE does
//     not sleep, it only yields), and Enter powers it on again with
//     CPU_ON. Should CPU_OFF return, it waits for fn with WFE instead.
//  5. SP = sp, g (R28) = g0, then marks itself online (store-release,
//     after every load from the mailbox).
//
// Where it goes next: fn, runtime·mstart, which runs the M of g0 on this
// CPU and never returns.
//
// func apentry()
TEXT ·apentry(SB),NOSPLIT|NOFRAME,$0
	MOVD	R0, R15				// R15 = mailbox (the calls below keep it)

	BL	·cpu_setup(SB)			// vectors, HCR, FP/SIMD, event stream
	BL	·mmu_on(SB)			// boot CPU's tables, caches on
	B	·apentry_park(SB)

// apentry_spin is where SMP.Wake releases an AP from a spin table
// (spin_release).
//
// Where control came from: firmware held the core in a loop of WFE and a
// load of its cpu-release-addr, and branched here once that held an entry:
// at EL2 (or EL1), AArch64, MMU and D-cache off, SP undefined, X0-X3 zero
// on the Pi's armstub8 and no argument anywhere (Documentation/arm64/
// booting.rst, "Call the kernel image"; Arm ARM, D1 reset state). Its
// caches may hold stale lines and its TLBs stale entries: mmu_on
// invalidates both before it turns the MMU on.
//
// What it does: cpu_setup and mmu_on as apentry, then finds its mailbox
// by its MPIDR affinity in cpuHWID, written by Wake before the release and
// read with the caches on, hence coherently. A CPU whose MPIDR is not
// there waits with WFE for ever: Wake's caller sees it never park and
// names it.
//
// Where it goes next: apentry_park, with R15 = its mailbox.
TEXT ·apentry_spin(SB),NOSPLIT|NOFRAME,$0
	BL	·cpu_setup(SB)
	BL	·mmu_on(SB)

	MRS	MPIDR_EL1, R0
	MOVD	$const_mpidrAffinity, R1
	AND	R1, R0
	ORR	$const_hwidValid, R0		// R0 = the cpuHWID entry of this CPU
	MOVD	$·cpuHWID(SB), R1
	MOVD	$·mailboxes(SB), R15
	MOVD	$const_MaxCPUs, R2
find:
	LDAR	(R1), R3
	CMP	R0, R3
	BEQ	found
	ADD	$8, R1
	ADD	$mailbox__size, R15
	SUBS	$1, R2
	BNE	find
lost:
	WFE
	B	lost
found:
	B	·apentry_park(SB)

// apentry_park is the rest of apentry and apentry_spin, with the MMU on and
// R15 = the CPU's mailbox: steps 2 to 5 of apentry.
TEXT ·apentry_park(SB),NOSPLIT|NOFRAME,$0
	MOVD	mailbox_base(R15), R0
	BL	·set_tpidr(SB)			// TPIDR_EL2 or TPIDR_EL1 = area

	ADD	$mailbox_state, R15, R3		// R3 = &state
	ADD	$mailbox_fn, R15, R4		// R4 = &fn
	LDAR	(R4), R2
	CBNZ	R2, enter			// powered on again by Enter

	MOVW	$const_stateParked, R1
	STLRW	R1, (R3)			// parked, after the register is set

	ISB	SY
	MRS	CNTPCT_EL0, R5
	MOVD	mailbox_park(R15), R7
	ADDS	R7, R5				// R5 = when to power off
	BCC	park
	MOVD	$-1, R5				// never
park:
	LDAR	(R4), R2			// fn, published last by Enter
	CBNZ	R2, enter
	ISB	SY
	MRS	CNTPCT_EL0, R6
	CMP	R5, R6
	BHS	sleep
	WFE
	B	park

sleep:
	LDAXRW	(R3), R1
	CMPW	$const_stateParked, R1
	BNE	park				// released by Enter: fn is there
	MOVW	$const_stateAsleep, R1
	STLXRW	R1, (R3), R6
	CBNZW	R6, sleep

	MOVD	$const_PSCI_CPU_OFF, R0
	MOVWU	·psciHVC(SB), R1
	CBNZ	R1, hvc
	SMC	$0
	B	off_failed
hvc:
	HVC	$0
off_failed:
	// CPU_OFF returned: Enter's CPU_ON gets ALREADY_ON and waits for
	// this CPU to come online by itself
	LDAR	(R4), R2
	CBNZ	R2, enter
	WFE
	B	off_failed

enter:
	MOVD	mailbox_sp(R15), R1
	MOVD	R1, RSP				// g0's stack
	MOVD	mailbox_g0(R15), g		// R28 = g0
	MOVD	ZR, R29				// no frame above this one
	MOVD	ZR, LR

	MOVW	$const_stateOnline, R1
	STLRW	R1, (R3)			// online, after every load above

	B	(R2)

// func apentry_pc() uint64
TEXT ·apentry_pc(SB),NOSPLIT,$0-8
	MOVD	$·apentry(SB), R0
	MOVD	R0, ret+0(FP)
	RET

// func apentry_spin_pc() uint64
TEXT ·apentry_spin_pc(SB),NOSPLIT,$0-8
	MOVD	$·apentry_spin(SB), R0
	MOVD	R0, ret+0(FP)
	RET

// spin_release releases a core from a spin table (Documentation/arm64/
// booting.rst, "Call the kernel image"; Linux smp_spin_table.c): one
// 64-bit little-endian store of entry to addr, the line cleaned to the
// point of coherency with DC CVAC, DSB SY, SEV (Arm ARM, DC CVAC, DSB,
// SEV). The waiting core reads addr with its MMU and caches off, and addr
// (0xd8 on a Pi) may lie where the identity map faults (the first 2 MiB),
// so the store is made with this CPU's MMU off for a moment: data accesses
// are then Device-nGnRnE, uncached, to the physical address (Arm ARM, D8
// behaviour when stage 1 translation is disabled). The line is cleaned
// and invalidated first, so that no dirty copy of it can later overwrite
// the store. No stack, no memory but addr is touched while the MMU is off.
//
// func spin_release(addr, entry uint64)
TEXT ·spin_release(SB),NOSPLIT,$0-16
	MOVD	addr+0(FP), R0
	MOVD	entry+8(FP), R1
	CURRENT_EL(R2)
	CMP	$2, R2
	BNE	el1

	MRS_SCTLR_EL2(3)
	BIC	$(1<<const_SCTLR_M), R3, R4
	DSB	SY
	MSR_SCTLR_EL2(4)		// MMU off
	ISB	SY
	DC	CIVAC, R0
	DSB	SY
	MOVD	R1, (R0)		// the release
	DC	CVAC, R0
	DSB	SY
	MSR_SCTLR_EL2(3)		// MMU on again
	ISB	SY
	SEV
	RET

el1:
	MRS	SCTLR_EL1, R3
	BIC	$(1<<const_SCTLR_M), R3, R4
	DSB	SY
	MSR	R4, SCTLR_EL1
	ISB	SY
	DC	CIVAC, R0
	DSB	SY
	MOVD	R1, (R0)
	DC	CVAC, R0
	DSB	SY
	MSR	R3, SCTLR_EL1
	ISB	SY
	SEV
	RET

// func read_mpidr() uint64
TEXT ·read_mpidr(SB),NOSPLIT,$0-8
	MRS	MPIDR_EL1, R0
	MOVD	R0, ret+0(FP)
	RET

// sev signals an event to every core (Arm ARM, SEV), after a DSB so that
// the stores before it are visible to a core that wakes from WFE.
//
// func sev()
TEXT ·sev(SB),NOSPLIT,$0-0
	DSB	ISH
	SEV
	RET

// dcache_clean cleans the data cache lines of [addr, addr+size) to the
// point of coherency (Arm ARM, DC CVAC), for a reader with its caches off.
// Lines are taken as 64 bytes, the smallest CTR_EL0.DminLine of Armv8 cores
// in use (Cortex-A53/A57/A72).
//
// func dcache_clean(addr, size uint64)
TEXT ·dcache_clean(SB),NOSPLIT,$0-16
	MOVD	addr+0(FP), R0
	MOVD	size+8(FP), R1
	ADD	R0, R1
	AND	$~63, R0
loop:
	DC	CVAC, R0
	ADD	$64, R0
	CMP	R1, R0
	BLO	loop
	DSB	SY
	RET
