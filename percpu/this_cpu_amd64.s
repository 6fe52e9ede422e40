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
// are not initialised (the word is 0) and when GS points at memory that is
// not an area. A GS base of 0 makes the load itself fault: page 0 is unmapped
// under tamago amd64 (its cpuinit clears PT[0]) and on Linux.

#include "go_asm.h"
#include "textflag.h"

#define CHECK_AREA \
	CMPQ	header_magic(GS), $const_areaMagic; \
	JNE	fault

// func this_cpu_load(off, size uintptr, dst unsafe.Pointer)
TEXT ·this_cpu_load(SB),NOSPLIT,$0-24
	MOVQ	off+0(FP), AX
	MOVQ	size+8(FP), CX
	MOVQ	dst+16(FP), DX
	CHECK_AREA
	CMPQ	CX, $8
	JNE	load4
	MOVQ	0(AX)(GS*1), BX		// mov rbx, gs:[rax]
	MOVQ	BX, (DX)
	RET
load4:
	CMPQ	CX, $4
	JNE	load2
	MOVL	0(AX)(GS*1), BX		// mov ebx, gs:[rax]
	MOVL	BX, (DX)
	RET
load2:
	CMPQ	CX, $2
	JNE	load1
	MOVWLZX	0(AX)(GS*1), BX		// movzx ebx, word ptr gs:[rax]
	MOVW	BX, (DX)
	RET
load1:
	CMPQ	CX, $1
	JNE	pinned
	MOVBLZX	0(AX)(GS*1), BX		// movzx ebx, byte ptr gs:[rax]
	MOVB	BX, (DX)
	RET
pinned:
	JMP	·loadPinned(SB)
fault:
	JMP	·regFault(SB)

// func this_cpu_store(off, size uintptr, src unsafe.Pointer)
TEXT ·this_cpu_store(SB),NOSPLIT,$0-24
	MOVQ	off+0(FP), AX
	MOVQ	size+8(FP), CX
	MOVQ	src+16(FP), DX
	CHECK_AREA
	CMPQ	CX, $8
	JNE	store4
	MOVQ	(DX), BX
	MOVQ	BX, 0(AX)(GS*1)		// mov gs:[rax], rbx
	RET
store4:
	CMPQ	CX, $4
	JNE	store2
	MOVL	(DX), BX
	MOVL	BX, 0(AX)(GS*1)		// mov gs:[rax], ebx
	RET
store2:
	CMPQ	CX, $2
	JNE	store1
	MOVW	(DX), BX
	MOVW	BX, 0(AX)(GS*1)		// mov gs:[rax], bx
	RET
store1:
	CMPQ	CX, $1
	JNE	pinned
	MOVB	(DX), BX
	MOVB	BX, 0(AX)(GS*1)		// mov gs:[rax], bl
	RET
pinned:
	JMP	·storePinned(SB)
fault:
	JMP	·regFault(SB)

// func this_cpu_add(off uintptr, delta uint64, size uintptr)
TEXT ·this_cpu_add(SB),NOSPLIT,$0-24
	MOVQ	off+0(FP), AX
	MOVQ	delta+8(FP), BX
	MOVQ	size+16(FP), CX
	CHECK_AREA
	CMPQ	CX, $8
	JNE	add4
	ADDQ	BX, 0(AX)(GS*1)		// add gs:[rax], rbx
	RET
add4:
	CMPQ	CX, $4
	JNE	add2
	ADDL	BX, 0(AX)(GS*1)		// add gs:[rax], ebx
	RET
add2:
	CMPQ	CX, $2
	JNE	add1
	ADDW	BX, 0(AX)(GS*1)		// add gs:[rax], bx
	RET
add1:
	ADDB	BX, 0(AX)(GS*1)		// add gs:[rax], bl
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
