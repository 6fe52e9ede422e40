// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build (tamago || linux) && !percpu_naive

// x86_64 fast paths, shared by GOOS=tamago (GS_BASE written with WRMSR) and
// the linux/amd64 host (GS base written with arch_prctl): the slot at offset
// off is gs:[off], reached with the GS-prefixed base+displacement form
// 0(AX)(GS*1), which the Go assembler encodes as gs:[rax] (the (GS)(AX*1)
// forms are rejected).
//
// Every function first compares the header magic at gs:[header_magic] with
// areaMagic: one CMPQ with a memory operand and a JNE. It fails when the areas
// are not initialized (the word is 0) and when GS points at memory that is
// not an area. A GS base of 0 makes the load itself fault: page 0 is unmapped
// under tamago amd64 (its cpuinit clears PT[0]) and on Linux.

#include "go_asm.h"
#include "textflag.h"

#define CHECK_AREA \
	CMPQ	header_magic(GS), $const_areaMagic; \
	JNE	fault

// SLOT_KEY loads the slot key (see keyShift in var.go) into AX and jumps to
// small unless it is at most keyPlainMax: then it is the offset of an 8-byte
// slot, which needs no decoding. At small, DECODE_KEY leaves the size code in
// CX and the offset in AX; a code of 0 (code8) is an 8-byte slot at an offset
// above keyPlainMax.
#define SLOT_KEY \
	MOVQ	key+0(FP), AX; \
	CMPQ	AX, $const_keyPlainMax; \
	JA	small

#define DECODE_KEY \
	MOVQ	AX, CX; \
	SHRQ	$const_keyShift, CX; \
	MOVL	AX, AX

// func this_cpu_load(key uint64, dst unsafe.Pointer)
TEXT ·this_cpu_load(SB),NOSPLIT,$0-16
	MOVQ	dst+8(FP), DX
	CHECK_AREA
	SLOT_KEY
load8:
	MOVQ	0(AX)(GS*1), BX		// mov rbx, gs:[rax]
	MOVQ	BX, (DX)
	RET
small:
	DECODE_KEY
	CMPQ	CX, $const_code4
	JNE	load2
	MOVL	0(AX)(GS*1), BX		// mov ebx, gs:[rax]
	MOVL	BX, (DX)
	RET
load2:
	CMPQ	CX, $const_code2
	JNE	load1
	MOVWLZX	0(AX)(GS*1), BX		// movzx ebx, word ptr gs:[rax]
	MOVW	BX, (DX)
	RET
load1:
	CMPQ	CX, $const_code1
	JNE	other
	MOVBLZX	0(AX)(GS*1), BX		// movzx ebx, byte ptr gs:[rax]
	MOVB	BX, (DX)
	RET
other:
	TESTQ	CX, CX
	JEQ	load8
	JMP	·loadPinned(SB)		// same arguments: key, dst
fault:
	JMP	·regFault(SB)

// func this_cpu_store(key uint64, src unsafe.Pointer)
TEXT ·this_cpu_store(SB),NOSPLIT,$0-16
	MOVQ	src+8(FP), DX
	CHECK_AREA
	SLOT_KEY
store8:
	MOVQ	(DX), BX
	MOVQ	BX, 0(AX)(GS*1)		// mov gs:[rax], rbx
	RET
small:
	DECODE_KEY
	CMPQ	CX, $const_code4
	JNE	store2
	MOVL	(DX), BX
	MOVL	BX, 0(AX)(GS*1)		// mov gs:[rax], ebx
	RET
store2:
	CMPQ	CX, $const_code2
	JNE	store1
	MOVW	(DX), BX
	MOVW	BX, 0(AX)(GS*1)		// mov gs:[rax], bx
	RET
store1:
	CMPQ	CX, $const_code1
	JNE	other
	MOVB	(DX), BX
	MOVB	BX, 0(AX)(GS*1)		// mov gs:[rax], bl
	RET
other:
	TESTQ	CX, CX
	JEQ	store8
	JMP	·storePinned(SB)	// same arguments: key, src
fault:
	JMP	·regFault(SB)

// func this_cpu_add(key uint64, delta uint64)
TEXT ·this_cpu_add(SB),NOSPLIT,$0-16
	MOVQ	delta+8(FP), BX
	CHECK_AREA
	SLOT_KEY
add8:
	ADDQ	BX, 0(AX)(GS*1)		// add gs:[rax], rbx
	RET
small:
	DECODE_KEY
	CMPQ	CX, $const_code4
	JNE	add2
	ADDL	BX, 0(AX)(GS*1)		// add gs:[rax], ebx
	RET
add2:
	CMPQ	CX, $const_code2
	JNE	add1
	ADDW	BX, 0(AX)(GS*1)		// add gs:[rax], bx
	RET
add1:
	CMPQ	CX, $const_code1
	JNE	add8
	ADDB	BX, 0(AX)(GS*1)		// add gs:[rax], bl
	RET
fault:
	JMP	·regFault(SB)

// func this_cpu_addr(off uintptr) unsafe.Pointer
TEXT ·this_cpu_addr(SB),NOSPLIT,$0-16
	MOVQ	off+0(FP), AX
	CHECK_AREA
	ADDQ	header_self(GS), AX	// LEA ignores GS: add the self pointer
	MOVQ	AX, ret+8(FP)
	RET
fault:
	JMP	·regFault(SB)

// func this_cpu_ptr(off uintptr) unsafe.Pointer
TEXT ·this_cpu_ptr(SB),NOSPLIT,$0-16
	MOVQ	off+0(FP), AX
	CMPQ	header_magic(GS), $const_areaMagic
	JNE	none
	ADDQ	header_self(GS), AX	// LEA ignores GS: add the self pointer
	MOVQ	AX, ret+8(FP)
	RET
none:
	MOVQ	$0, ret+8(FP)
	RET

// func this_cpu_id() uint64
TEXT ·this_cpu_id(SB),NOSPLIT,$0-8
	CHECK_AREA
	MOVQ	header_cpu(GS), AX
	MOVQ	AX, ret+0(FP)
	RET
fault:
	JMP	·regFault(SB)
