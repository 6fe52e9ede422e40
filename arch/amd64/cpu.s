// x86_64 SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

#include "textflag.h"
#include "amd64.h"

// func cpuid(eax, ecx uint32) (a, b, c, d uint32)
TEXT ·cpuid(SB),NOSPLIT,$0-24
	MOVL	eax+0(FP), AX
	MOVL	ecx+4(FP), CX
	CPUID
	MOVL	AX, a+8(FP)
	MOVL	BX, b+12(FP)
	MOVL	CX, c+16(FP)
	MOVL	DX, d+20(FP)
	RET

// func rdtsc() uint64
TEXT ·rdtsc(SB),NOSPLIT,$0-8
	RDTSC
	SHLQ	$32, DX
	ORQ	DX, AX
	MOVQ	AX, ret+0(FP)
	RET

// func rdmsr(msr uint32) uint64
TEXT ·rdmsr(SB),NOSPLIT,$0-16
	MOVL	msr+0(FP), CX
	RDMSR
	SHLQ	$32, DX
	ORQ	DX, AX
	MOVQ	AX, ret+8(FP)
	RET

// func wrmsr(msr uint32, val uint64)
TEXT ·wrmsr(SB),NOSPLIT,$0-16
	MOVL	msr+0(FP), CX
	MOVQ	val+8(FP), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	WRMSR
	RET

// func inb(port uint16) uint8
TEXT ·inb(SB),NOSPLIT,$0-9
	MOVW	port+0(FP), DX
	INB
	MOVB	AX, ret+8(FP)
	RET

// func outb(port uint16, val uint8)
TEXT ·outb(SB),NOSPLIT,$0-3
	MOVW	port+0(FP), DX
	MOVB	val+2(FP), AX
	OUTB
	RET

// func read32(addr uintptr) uint32
TEXT ·read32(SB),NOSPLIT,$0-12
	MOVQ	addr+0(FP), BX
	MOVL	(BX), AX
	MOVL	AX, ret+8(FP)
	RET

// func write32(addr uintptr, val uint32)
TEXT ·write32(SB),NOSPLIT,$0-12
	MOVQ	addr+0(FP), BX
	MOVL	val+8(FP), AX
	MOVL	AX, (BX)
	RET

// func pause()
TEXT ·pause(SB),NOSPLIT,$0
	PAUSE
	RET

// func irqDisable() (enabled bool)
TEXT ·irqDisable(SB),NOSPLIT,$0-1
	PUSHFQ
	POPQ	AX
	SHRQ	$9, AX			// RFLAGS.IF
	ANDQ	$1, AX
	MOVB	AX, enabled+0(FP)
	CLI
	RET

// func irqRestore(enabled bool)
TEXT ·irqRestore(SB),NOSPLIT,$0-1
	MOVB	enabled+0(FP), AX
	CMPB	AX, $0
	JE	done
	STI
done:
	RET

// func apic_id() uint32
TEXT ·apic_id(SB),NOSPLIT,$0-4
	APIC_ID(R10, R11)
	MOVL	DX, ret+0(FP)
	RET

// func outw(port uint16, val uint16)
TEXT ·outw(SB),NOSPLIT,$0-4
	MOVW	port+0(FP), DX
	MOVW	val+2(FP), AX
	OUTW
	RET
