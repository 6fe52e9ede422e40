// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && !percpu_naive

// arm64 fast paths. The base of the current CPU's area is in TPIDR_EL2 at EL2
// and in TPIDR_EL1 at EL1 (Arm ARM D23.2.171 TPIDR_EL1, D23.2.172 TPIDR_EL2),
// chosen by ·useEL2. The Go assembler knows TPIDR_EL1 but no _EL2 register:
// TPIDR_EL2 is accessed with WORD-encoded MRS/MSR (op0=3 op1=4 CRn=13 CRm=0
// op2=2; Rt in bits [4:0]).
//
// A base of 0 means the register was never set: one CBZ sends every access
// to ·regFault before it could touch memory near address 0. A base that is
// not 0 must hold its own address in the self word of the area header, which
// Init writes: a register that points at the region before Init (the boot
// CPU's, set by cpuinit), or anywhere that is not an area, fails the compare
// and faults too, loudly, instead of reading zeros and losing writes. The
// slot is then one register-offset load or store, [x0, x1].

#include "go_asm.h"
#include "textflag.h"

// THIS_CPU_BASE loads the area base into R0 and jumps to fault if it is 0
// or not the self pointer of an initialized area (R5 is scratch). The WORD
// is mrs x0, tpidr_el2.
#define THIS_CPU_BASE \
	MOVBU	·useEL2(SB), R0; \
	CBNZ	R0, 3(PC); \
	MRS	TPIDR_EL1, R0; \
	B	2(PC); \
	WORD	$0xd53cd040; /* mrs x0, tpidr_el2 */ \
	CBZ	R0, fault; \
	MOVD	header_self(R0), R5; \
	CMP	R0, R5; \
	BNE	fault

// SLOT_KEY loads the slot key (see keyShift in var.go) into R1 and its size
// code into R2, and jumps to small unless the code is 0 (code8): then R1 is
// the offset of an 8-byte slot. At small, R1 still holds the code in its high
// half: MOVWU R1, R1 leaves the offset.
#define SLOT_KEY \
	MOVD	key+0(FP), R1; \
	LSR	$const_keyShift, R1, R2; \
	CBNZ	R2, small

// func this_cpu_load(key uint64, dst unsafe.Pointer)
TEXT ·this_cpu_load(SB),NOSPLIT,$0-16
	MOVD	dst+8(FP), R3
	THIS_CPU_BASE
	SLOT_KEY
	MOVD	(R0)(R1), R4		// ldr x4, [x0, x1]
	MOVD	R4, (R3)
	RET
small:
	MOVWU	R1, R1
	CMP	$const_code4, R2
	BNE	load2
	MOVWU	(R0)(R1), R4		// ldr w4, [x0, x1]
	MOVW	R4, (R3)
	RET
load2:
	CMP	$const_code2, R2
	BNE	load1
	MOVHU	(R0)(R1), R4		// ldrh w4, [x0, x1]
	MOVH	R4, (R3)
	RET
load1:
	CMP	$const_code1, R2
	BNE	pinned
	MOVBU	(R0)(R1), R4		// ldrb w4, [x0, x1]
	MOVB	R4, (R3)
	RET
pinned:
	JMP	·loadPinned(SB)		// same arguments: key, dst
fault:
	JMP	·regFault(SB)

// func this_cpu_store(key uint64, src unsafe.Pointer)
TEXT ·this_cpu_store(SB),NOSPLIT,$0-16
	MOVD	src+8(FP), R3
	THIS_CPU_BASE
	SLOT_KEY
	MOVD	(R3), R4
	MOVD	R4, (R0)(R1)		// str x4, [x0, x1]
	RET
small:
	MOVWU	R1, R1
	CMP	$const_code4, R2
	BNE	store2
	MOVWU	(R3), R4
	MOVW	R4, (R0)(R1)		// str w4, [x0, x1]
	RET
store2:
	CMP	$const_code2, R2
	BNE	store1
	MOVHU	(R3), R4
	MOVH	R4, (R0)(R1)		// strh w4, [x0, x1]
	RET
store1:
	CMP	$const_code1, R2
	BNE	pinned
	MOVBU	(R3), R4
	MOVB	R4, (R0)(R1)		// strb w4, [x0, x1]
	RET
pinned:
	JMP	·storePinned(SB)	// same arguments: key, src
fault:
	JMP	·regFault(SB)

// func this_cpu_add(key uint64, delta uint64)
TEXT ·this_cpu_add(SB),NOSPLIT,$0-16
	MOVD	delta+8(FP), R3
	THIS_CPU_BASE
	SLOT_KEY
	MOVD	(R0)(R1), R4		// ldr x4, [x0, x1]
	ADD	R3, R4, R4
	MOVD	R4, (R0)(R1)		// str x4, [x0, x1]
	RET
small:
	MOVWU	R1, R1
	CMP	$const_code4, R2
	BNE	add2
	MOVWU	(R0)(R1), R4
	ADD	R3, R4, R4
	MOVW	R4, (R0)(R1)
	RET
add2:
	CMP	$const_code2, R2
	BNE	add1
	MOVHU	(R0)(R1), R4
	ADD	R3, R4, R4
	MOVH	R4, (R0)(R1)
	RET
add1:
	MOVBU	(R0)(R1), R4
	ADD	R3, R4, R4
	MOVB	R4, (R0)(R1)
	RET
fault:
	JMP	·regFault(SB)

// func this_cpu_addr(off uintptr) unsafe.Pointer
TEXT ·this_cpu_addr(SB),NOSPLIT,$0-16
	MOVD	off+0(FP), R1
	THIS_CPU_BASE
	ADD	R1, R0, R0
	MOVD	R0, ret+8(FP)
	RET
fault:
	JMP	·regFault(SB)

// func this_cpu_ptr(off uintptr) unsafe.Pointer
TEXT ·this_cpu_ptr(SB),NOSPLIT,$0-16
	MOVD	off+0(FP), R1
	THIS_CPU_BASE
	ADD	R1, R0, R0
	MOVD	R0, ret+8(FP)
	RET
fault:
	MOVD	ZR, ret+8(FP)
	RET

// func this_cpu_id() uint64
TEXT ·this_cpu_id(SB),NOSPLIT,$0-8
	THIS_CPU_BASE
	MOVD	header_cpu(R0), R2
	MOVD	R2, ret+0(FP)
	RET
fault:
	JMP	·regFault(SB)

// func read_currentel() uint64
TEXT ·read_currentel(SB),NOSPLIT,$0-8
	MRS	CurrentEL, R0
	MOVD	R0, ret+0(FP)
	RET

// func read_tpidr_el1() uintptr
TEXT ·read_tpidr_el1(SB),NOSPLIT,$0-8
	MRS	TPIDR_EL1, R0
	MOVD	R0, ret+0(FP)
	RET

// func write_tpidr_el1(base uintptr)
TEXT ·write_tpidr_el1(SB),NOSPLIT,$0-8
	MOVD	base+0(FP), R0
	MSR	R0, TPIDR_EL1
	RET

// func read_tpidr_el2() uintptr
TEXT ·read_tpidr_el2(SB),NOSPLIT,$0-8
	WORD	$0xd53cd040		// mrs x0, tpidr_el2
	MOVD	R0, ret+0(FP)
	RET

// func write_tpidr_el2(base uintptr)
TEXT ·write_tpidr_el2(SB),NOSPLIT,$0-8
	MOVD	base+0(FP), R0
	WORD	$0xd51cd040		// msr tpidr_el2, x0
	RET
