// x86_64 SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// APIC_ID sets EDX (RDX, zero-extended in 64-bit mode) to the local APIC
// ID of the calling CPU, as [SMP] and the firmware's tables know it: the
// x2APIC ID of CPUID leaf 0BH where the CPU has that leaf (its EBX is not
// 0), else the initial APIC ID of leaf 01H, EBX[31:24] (Intel SDM Vol. 3A,
// 11.4.6 Local APIC ID and 11.12.8 CPUID Extensions and Topology
// Enumeration; Vol. 2A, CPUID). No branch and no stack, so that the AP
// trampoline and the exception report share it; leaf 0BH is queried even
// on a CPU without it, and its answer then discarded. Clobbers AX, BX, CX
// and the two scratch registers max and init.
#define APIC_ID(max, init) \
	XORL	AX, AX; \
	XORL	CX, CX; \
	CPUID; \
	MOVL	AX, max; \
	MOVL	$1, AX; \
	XORL	CX, CX; \
	CPUID; \
	SHRL	$24, BX; \
	MOVL	BX, init; \
	MOVL	$0xb, AX; \
	XORL	CX, CX; \
	CPUID; \
	TESTL	BX, BX; \
	CMOVLEQ	init, DX; \
	CMPL	max, $0xb; \
	CMOVLCS	init, DX

// PC_FUNC defines func name() uintptr, which returns the address of the
// assembly symbol sym: an entry point (IDT gate, trampoline, far jump) that
// Go cannot take the address of, as Go code sees only the ABIInternal
// wrapper of an assembly function.
#define PC_FUNC(name, sym) \
	TEXT name(SB),NOSPLIT,$0-8; \
	MOVQ	$sym(SB), AX; \
	MOVQ	AX, ret+0(FP); \
	RET
