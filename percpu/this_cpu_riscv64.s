// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && !percpu_naive

// riscv64 fast paths. The base of the current CPU's area is in gp (x3), which
// the Go compiler never allocates (cmd/compile/internal/ssa/_gen/RISCV64Ops.go:
// "ZERO, GP, TP and TMP are not in any gp mask") and no runtime or tamago
// assembly writes. RISC-V has no register+register addressing: an access is
// ADD GP, off and a load or store.
//
// A base of 0 means the register was never set: one BEQZ sends every access
// to ·regFault before it could touch memory near address 0. A base that is
// not 0 must hold its own address in the self word of the area header, which
// Init writes (CHECK_AREA): a gp that points at the region before Init (the
// boot hart's, set by the entry code), or anywhere that is not an area,
// faults too, loudly, instead of reading zeros and losing writes. T6 (X31) is the
// assembler's temporary and is not used here.

#include "go_asm.h"
#include "textflag.h"

// CHECK_AREA jumps to label unless gp is the base of an initialized area:
// not 0, and equal to the self word of the header there (A5 is scratch).
#define CHECK_AREA(label) \
	BEQZ	GP, label; \
	MOV	header_self(GP), A5; \
	BNE	A5, GP, label

// SLOT_KEY loads the slot key (see keyShift in var.go) into A1 and its size
// code into A2, and jumps to small unless the code is 0 (code8): then A1 is
// the offset of an 8-byte slot. At small, MOVWU A1, A1 leaves the offset.
#define SLOT_KEY \
	MOV	key+0(FP), A1; \
	SRL	$const_keyShift, A1, A2; \
	BNEZ	A2, small

// func this_cpu_load(key uint64, dst unsafe.Pointer)
TEXT ·this_cpu_load(SB),NOSPLIT,$0-16
	MOV	dst+8(FP), A3
	CHECK_AREA(fault)
	SLOT_KEY
	ADD	GP, A1, A1
	MOV	(A1), A0		// ld a0, 0(a1)
	MOV	A0, (A3)
	RET
small:
	MOVWU	A1, A1
	ADD	GP, A1, A1
	MOV	$const_code4, A4
	BNE	A2, A4, load2
	MOVWU	(A1), A0		// lwu a0, 0(a1)
	MOVW	A0, (A3)
	RET
load2:
	MOV	$const_code2, A4
	BNE	A2, A4, load1
	MOVHU	(A1), A0		// lhu a0, 0(a1)
	MOVH	A0, (A3)
	RET
load1:
	MOV	$const_code1, A4
	BNE	A2, A4, pinned
	MOVBU	(A1), A0		// lbu a0, 0(a1)
	MOVB	A0, (A3)
	RET
pinned:
	JMP	·loadPinned(SB)		// same arguments: key, dst
fault:
	JMP	·regFault(SB)

// func this_cpu_store(key uint64, src unsafe.Pointer)
TEXT ·this_cpu_store(SB),NOSPLIT,$0-16
	MOV	src+8(FP), A3
	CHECK_AREA(fault)
	SLOT_KEY
	ADD	GP, A1, A1
	MOV	(A3), A0
	MOV	A0, (A1)		// sd a0, 0(a1)
	RET
small:
	MOVWU	A1, A1
	ADD	GP, A1, A1
	MOV	$const_code4, A4
	BNE	A2, A4, store2
	MOVWU	(A3), A0
	MOVW	A0, (A1)		// sw a0, 0(a1)
	RET
store2:
	MOV	$const_code2, A4
	BNE	A2, A4, store1
	MOVHU	(A3), A0
	MOVH	A0, (A1)		// sh a0, 0(a1)
	RET
store1:
	MOV	$const_code1, A4
	BNE	A2, A4, pinned
	MOVBU	(A3), A0
	MOVB	A0, (A1)		// sb a0, 0(a1)
	RET
pinned:
	JMP	·storePinned(SB)	// same arguments: key, src
fault:
	JMP	·regFault(SB)

// func this_cpu_add(key uint64, delta uint64)
TEXT ·this_cpu_add(SB),NOSPLIT,$0-16
	MOV	delta+8(FP), A3
	CHECK_AREA(fault)
	SLOT_KEY
	ADD	GP, A1, A1
	MOV	(A1), A0		// ld a0, 0(a1)
	ADD	A3, A0, A0
	MOV	A0, (A1)		// sd a0, 0(a1)
	RET
small:
	MOVWU	A1, A1
	ADD	GP, A1, A1
	MOV	$const_code4, A4
	BNE	A2, A4, add2
	MOVWU	(A1), A0
	ADD	A3, A0, A0
	MOVW	A0, (A1)
	RET
add2:
	MOV	$const_code2, A4
	BNE	A2, A4, add1
	MOVHU	(A1), A0
	ADD	A3, A0, A0
	MOVH	A0, (A1)
	RET
add1:
	MOVBU	(A1), A0
	ADD	A3, A0, A0
	MOVB	A0, (A1)
	RET
fault:
	JMP	·regFault(SB)

// func this_cpu_addr(off uintptr) unsafe.Pointer
TEXT ·this_cpu_addr(SB),NOSPLIT,$0-16
	MOV	off+0(FP), A1
	CHECK_AREA(fault)
	ADD	GP, A1, A1
	MOV	A1, ret+8(FP)
	RET
fault:
	JMP	·regFault(SB)

// func this_cpu_ptr(off uintptr) unsafe.Pointer
TEXT ·this_cpu_ptr(SB),NOSPLIT,$0-16
	MOV	off+0(FP), A1
	CHECK_AREA(none)
	ADD	GP, A1, A1
	MOV	A1, ret+8(FP)
	RET
none:
	MOV	ZERO, ret+8(FP)
	RET

// func this_cpu_id() uint64
TEXT ·this_cpu_id(SB),NOSPLIT,$0-8
	CHECK_AREA(fault)
	MOV	header_cpu(GP), A0
	MOV	A0, ret+0(FP)
	RET
fault:
	JMP	·regFault(SB)

// func read_gp() uintptr
TEXT ·read_gp(SB),NOSPLIT,$0-8
	MOV	GP, A0
	MOV	A0, ret+0(FP)
	RET

// func write_gp(base uintptr)
TEXT ·write_gp(SB),NOSPLIT,$0-8
	MOV	base+0(FP), A0
	MOV	A0, GP
	RET
