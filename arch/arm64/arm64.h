// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Instructions the Go assembler cannot spell (it knows no _EL2 system
// register), as WORD encodings checked with llvm-mc. The argument is the
// number of the general-purpose register: MSR_VBAR_EL2(1) is msr vbar_el2, x1.
//
// Arm Architecture Reference Manual for A-profile architecture (Arm ARM,
// DDI 0487): MRS and MSR (register) in the A64 base instructions, and the
// register pages in AArch64 System Register Descriptions.

#define MRS_SCTLR_EL2(r)	WORD $(0xd53c1000|(r))	// mrs xr, sctlr_el2
#define MSR_SCTLR_EL2(r)	WORD $(0xd51c1000|(r))	// msr sctlr_el2, xr
#define MSR_HCR_EL2(r)		WORD $(0xd51c1100|(r))	// msr hcr_el2, xr
#define MSR_CPTR_EL2(r)		WORD $(0xd51c1140|(r))	// msr cptr_el2, xr
#define MSR_MAIR_EL2(r)		WORD $(0xd51ca200|(r))	// msr mair_el2, xr
#define MSR_TCR_EL2(r)		WORD $(0xd51c2040|(r))	// msr tcr_el2, xr
#define MSR_TTBR0_EL2(r)	WORD $(0xd51c2000|(r))	// msr ttbr0_el2, xr
#define MSR_VBAR_EL2(r)		WORD $(0xd51cc000|(r))	// msr vbar_el2, xr
#define MRS_ESR_EL2(r)		WORD $(0xd53c5200|(r))	// mrs xr, esr_el2
#define MRS_ELR_EL2(r)		WORD $(0xd53c4020|(r))	// mrs xr, elr_el2
#define MRS_FAR_EL2(r)		WORD $(0xd53c6000|(r))	// mrs xr, far_el2
#define MRS_CNTHCTL_EL2(r)	WORD $(0xd53ce100|(r))	// mrs xr, cnthctl_el2
#define MSR_CNTHCTL_EL2(r)	WORD $(0xd51ce100|(r))	// msr cnthctl_el2, xr
#define MRS_TPIDR_EL2(r)	WORD $(0xd53cd040|(r))	// mrs xr, tpidr_el2
#define MSR_TPIDR_EL2(r)	WORD $(0xd51cd040|(r))	// msr tpidr_el2, xr
#define IC_IALLU		WORD $0xd508751f	// ic iallu

// Arm ARM, A64 base instructions DSB and ISB: shareability domain and access
// type of the barrier option
#define SY	$0b1111	// full system, reads and writes
#define ISH	$0b1011	// inner shareable, reads and writes

// CURRENT_EL loads the current exception level (0-3) into register r
// (Arm ARM, CurrentEL: EL in bits [3:2]).
#define CURRENT_EL(r)	MRS CurrentEL, r; LSR $2, r, r; AND $3, r, r
