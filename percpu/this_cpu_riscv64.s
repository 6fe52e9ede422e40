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
// to ·regFault before it could touch memory near address 0. T6 (X31) is the
// assembler's temporary and is not used here.

#include "go_asm.h"
#include "textflag.h"

// func this_cpu_load(off, size uintptr, dst unsafe.Pointer)
TEXT ·this_cpu_load(SB),NOSPLIT,$0-24
	MOV	off+0(FP), A1
	MOV	size+8(FP), A2
	MOV	dst+16(FP), A3
	BEQZ	GP, fault
	ADD	GP, A1, A1
	MOV	$8, A4
	BNE	A2, A4, load4
	MOV	(A1), A0		// ld a0, 0(a1)
	MOV	A0, (A3)
	RET
load4:
	MOV	$4, A4
	BNE	A2, A4, load2
	MOVWU	(A1), A0		// lwu a0, 0(a1)
	MOVW	A0, (A3)
	RET
load2:
	MOV	$2, A4
	BNE	A2, A4, load1
	MOVHU	(A1), A0		// lhu a0, 0(a1)
	MOVH	A0, (A3)
	RET
load1:
	MOV	$1, A4
	BNE	A2, A4, pinned
	MOVBU	(A1), A0		// lbu a0, 0(a1)
	MOVB	A0, (A3)
	RET
pinned:
	JMP	·loadPinned(SB)
fault:
	JMP	·regFault(SB)

// func this_cpu_store(off, size uintptr, src unsafe.Pointer)
TEXT ·this_cpu_store(SB),NOSPLIT,$0-24
	MOV	off+0(FP), A1
	MOV	size+8(FP), A2
	MOV	src+16(FP), A3
	BEQZ	GP, fault
	ADD	GP, A1, A1
	MOV	$8, A4
	BNE	A2, A4, store4
	MOV	(A3), A0
	MOV	A0, (A1)		// sd a0, 0(a1)
	RET
store4:
	MOV	$4, A4
	BNE	A2, A4, store2
	MOVWU	(A3), A0
	MOVW	A0, (A1)		// sw a0, 0(a1)
	RET
store2:
	MOV	$2, A4
	BNE	A2, A4, store1
	MOVHU	(A3), A0
	MOVH	A0, (A1)		// sh a0, 0(a1)
	RET
store1:
	MOV	$1, A4
	BNE	A2, A4, pinned
	MOVBU	(A3), A0
	MOVB	A0, (A1)		// sb a0, 0(a1)
	RET
pinned:
	JMP	·storePinned(SB)
fault:
	JMP	·regFault(SB)

// func this_cpu_add(off uintptr, delta uint64, size uintptr)
TEXT ·this_cpu_add(SB),NOSPLIT,$0-24
	MOV	off+0(FP), A1
	MOV	delta+8(FP), A2
	MOV	size+16(FP), A3
	BEQZ	GP, fault
	ADD	GP, A1, A1
	MOV	$8, A4
	BNE	A3, A4, add4
	MOV	(A1), A0
	ADD	A2, A0, A0
	MOV	A0, (A1)
	RET
add4:
	MOV	$4, A4
	BNE	A3, A4, add2
	MOVWU	(A1), A0
	ADD	A2, A0, A0
	MOVW	A0, (A1)
	RET
add2:
	MOV	$2, A4
	BNE	A3, A4, add1
	MOVHU	(A1), A0
	ADD	A2, A0, A0
	MOVH	A0, (A1)
	RET
add1:
	MOVBU	(A1), A0
	ADD	A2, A0, A0
	MOVB	A0, (A1)
	RET
fault:
	JMP	·regFault(SB)

// func this_cpu_ptr(off uintptr) unsafe.Pointer
TEXT ·this_cpu_ptr(SB),NOSPLIT,$0-16
	MOV	off+0(FP), A1
	BEQZ	GP, none
	ADD	GP, A1, A1
	MOV	A1, ret+8(FP)
	RET
none:
	MOV	ZERO, ret+8(FP)
	RET

// func this_cpu_id() uint64
TEXT ·this_cpu_id(SB),NOSPLIT,$0-8
	BEQZ	GP, fault
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
