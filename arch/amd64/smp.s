// x86_64 SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.
//
// The real-mode to long-mode sequence is adapted from
// github.com/usbarmory/tamago amd64/smp.s (BSD-3-Clause, Copyright (c) The
// TamaGo Authors).

//go:build tamago && amd64

#include "go_asm.h"
#include "textflag.h"
#include "amd64.h"

// These legacy prefixes make 64-bit Go assembly decode as intended in 16-bit
// real mode (Intel SDM Vol. 2A, 2.1.1 Instruction Prefixes).
#define DATA32 BYTE $0x66	// 32-bit operand size
#define ADDR32 BYTE $0x67	// 32-bit address size

// offset of a trampolineData field from the real-mode data segment (CS = DS =
// apTrampoline>>4)
#define DATA(off) (const_apData-const_apTrampoline+off)

// apinit16 is copied to apTrampoline by Prepare; it is never called.
//
// Where control came from: a STARTUP IPI sent by Wake, after an INIT IPI.
// The AP is in real mode at CS:IP = apVector<<8:0, interrupts masked (Intel
// SDM Vol. 3A, 9.4.4.2 Typical AP Initialization Sequence). Any number of
// APs run this code at the same time: it only reads the trampoline page
// and uses no stack.
//
// What it does: the same switch to long mode as TamaGo's cpuinit, with the
// boot CPU's page tables (CR3 from trampolineData), PAE and PGE in CR4,
// EFER.LME, then paging and protection in CR0 (Intel SDM Vol. 3A, 10.8.5
// Initializing IA-32e Mode).
//
// Where it goes next: a far jump through the m16:32 pointer in
// trampolineData (entry, sel) loads the 64-bit code selector of the
// trampoline GDT and lands in apstart, in the kernel image.
//
// func apinit16()
TEXT ·apinit16(SB),NOSPLIT|NOFRAME,$0
	CLI

	BYTE	$0x8c; BYTE $0xc8		// mov %cs,%ax
	BYTE	$0x8e; BYTE $0xd8		// mov %ax,%ds

	// CR3 = the boot CPU's page tables
	DATA32
	MOVL	$DATA(trampolineData_cr3), BX
	DATA32; ADDR32
	MOVL	(BX), AX
	MOVL	AX, CR3

	DATA32
	MOVL	$(1<<7 | 1<<5), AX		// set CR4.(PGE|PAE)
	MOVL	AX, CR4

	DATA32
	MOVL	$const_MSR_EFER, CX
	RDMSR
	DATA32
	ORL	$(1<<8), AX			// set EFER.LME
	WRMSR

	DATA32
	MOVL	$DATA(trampolineData_gdtr), BX
	DATA32; ADDR32
	LGDT	(BX)

	MOVL	CR0, AX
	DATA32
	ORL	$(1<<31 | 1<<1 | 1<<0), AX	// set CR0.(PG|MP|PE)
	MOVL	AX, CR0

	// ljmpl *DATA(trampolineData_entry): far jump through an m16:32
	// pointer, 32-bit offset then selector (Intel SDM Vol. 2A, JMP, FF /5)
	DATA32
	BYTE	$0xff; BYTE $0x2e
	WORD	$DATA(trampolineData_entry)
TEXT ·apinit16End(SB),NOSPLIT|NOFRAME,$0
	RET

// func apinit16PC() uintptr
PC_FUNC(·apinit16PC, ·apinit16)

// func apinit16Size() uintptr
TEXT ·apinit16Size(SB),NOSPLIT,$0-8
	MOVQ	$·apinit16End(SB), AX
	MOVQ	$·apinit16(SB), BX
	SUBQ	BX, AX
	MOVQ	AX, ret+0(FP)
	RET

// func apstartPC() uintptr
PC_FUNC(·apstartPC, ·apstart)

// func readCR3() uint64
TEXT ·readCR3(SB),NOSPLIT,$0-8
	MOVQ	CR3, AX
	MOVQ	AX, ret+0(FP)
	RET

// func sgdt(p *[10]byte)
TEXT ·sgdt(SB),NOSPLIT,$0-8
	MOVQ	p+0(FP), AX
	SGDT	(AX)
	RET

// func sidt(p *[10]byte)
TEXT ·sidt(SB),NOSPLIT,$0-8
	MOVQ	p+0(FP), AX
	SIDT	(AX)
	RET

// apstart is the AP's first 64-bit code.
//
// Where control came from: apinit16's far jump. The AP is in long mode on
// the boot CPU's page tables, with the trampoline GDT, interrupts masked and
// no stack. Other APs may be running the same code.
//
// What it does, before any Go code runs on this CPU:
//
//  1. Finds its logical CPU id: its own APIC ID (CPUID leaf 0BH EDX, the
//     x2APIC ID, when the CPU has that leaf, else leaf 01H EBX[31:24]; Intel
//     SDM Vol. 3A, 11.4.6 Local APIC ID) looked up in apicTable, which the
//     boot CPU filled before the INIT IPI. An AP that is not in the table
//     halts.
//  2. Switches to the park stack in its own mailbox, enables SSE as the Go
//     runtime requires, loads the boot CPU's GDT, the park IDT (the boot
//     CPU's exception gates, so exceptions reach the fault report; NMI to
//     parkNMI) and the data selectors.
//  3. Points GS_BASE at its per-CPU area (mailbox base), after the selector
//     loads, which reset the base.
//  4. Marks itself parked and waits in HLT, until Enter publishes fn and
//     sends the NMI that wakes it (parkNMI).
//
// Where it goes next: apRelease, then fn, runtime·mstart, which never
// returns.
TEXT ·apstart(SB),NOSPLIT|NOFRAME,$0
	// R8 = own APIC ID + 1, the form apicTable holds
	APIC_ID(R10, R11)			// amd64.h
	MOVL	DX, R8
	MOVL	R8, R9				// R9 = APIC ID
	INCQ	R8

	// CX = logical id: apicTable[CX] == R8
	MOVQ	$·apicTable(SB), SI
	XORL	CX, CX
search:
	CMPQ	CX, $const_MaxCPUs
	JAE	stray
	CMPQ	R8, (SI)(CX*8)
	JEQ	found
	INCQ	CX
	JMP	search
stray:
	CLI
	HLT
	JMP	stray

found:
	// BX = &mailboxes[CX]
	IMUL3Q	$mailbox__size, CX, BX
	MOVQ	$·mailboxes(SB), AX
	ADDQ	AX, BX

	LEAQ	(mailbox_stack+const_parkStackSize)(BX), SP
	MOVQ	BX, R10
	CALL	sse_enable(SB)			// TamaGo amd64/features.s, clobbers AX and BX
	MOVQ	R10, BX

	MOVQ	$·bspGDTR(SB), AX
	LGDT	(AX)
	MOVQ	$·parkIDTR(SB), AX
	LIDT	(AX)

	// data selectors from the boot CPU's GDT (entry 2), before the
	// FS and GS bases: a selector load resets the base
	MOVL	$const_dataSelector, AX
	BYTE	$0x8e; BYTE $0xd8		// mov %eax,%ds
	BYTE	$0x8e; BYTE $0xc0		// mov %eax,%es
	BYTE	$0x8e; BYTE $0xd0		// mov %eax,%ss
	BYTE	$0x8e; BYTE $0xe0		// mov %eax,%fs
	BYTE	$0x8e; BYTE $0xe8		// mov %eax,%gs

	// per-CPU register: GS_BASE = area base
	MOVQ	mailbox_base(BX), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$const_MSR_GS_BASE, CX
	WRMSR

	MOVL	R9, mailbox_apicID(BX)
	MOVL	$const_apParked, mailbox_state(BX)

	// Park: halt until Enter's NMI, whose handler (parkNMI) returns to
	// apRelease, never here.
park:
	CALL	·apHalt(SB)
	JMP	park				// woken by something else: halt again

// func apHalt()
//
// The park loop's HLT. Interrupts are masked: only an NMI (or INIT) ends
// it.
TEXT ·apHalt(SB),NOSPLIT|NOFRAME,$0
	HLT
	RET

// parkNMI is the NMI handler of the park IDT.
//
// Where control came from: Enter's NMI, on an AP in its park loop (apstart),
// where BX holds the AP's mailbox. Enter published fn before sending it.
// The stack holds RIP, CS, RFLAGS, RSP and SS of the park loop (Intel SDM
// Vol. 3A, 6.14.2 64-Bit Mode Stack Frame).
//
// What it does: replaces the return address: the park loop is left
// wherever the NMI found it, so an NMI that comes just before the HLT cannot
// be lost. IRETQ ends NMI blocking.
//
// Where it goes next: apRelease, on the park stack, interrupts masked.
TEXT ·parkNMI(SB),NOSPLIT|NOFRAME,$0
	MOVQ	$·apRelease(SB), AX
	MOVQ	AX, 0(SP)			// RIP
	IRETQ

// apRelease leaves the park loop for the scheduler.
//
// Where control came from: parkNMI. BX holds the AP's mailbox; fn, sp and g0 are
// published (Enter stores fn after them and x86 loads are not reordered
// with older loads, Intel SDM Vol. 3A, 10.2.2).
//
// What it does: loads the boot CPU's IDT, starts its idle timer (see
// EnableIdleHalt), then the TLS slot (g0 in the
// mailbox, FS_BASE = &tls+8, where Go's get_tls reads g at FS:-8),
// R14 = g0, SP = sp, and marks itself online.
//
// Where it goes next: fn, runtime·mstart, which never returns.
TEXT ·apRelease(SB),NOSPLIT|NOFRAME,$0
	MOVQ	$·bspIDTR(SB), AX
	LIDT	(AX)

	// the idle timer of this CPU, if Idle halts (EnableIdleHalt)
	MOVL	·idleHalt(SB), AX
	TESTL	AX, AX
	JEQ	2(PC)
	CALL	·lapicTimerInit(SB)

	MOVQ	mailbox_fn(BX), R12

	MOVQ	mailbox_g0(BX), R14
	MOVQ	R14, mailbox_tls(BX)
	LEAQ	(mailbox_tls+8)(BX), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$const_MSR_FS_BASE, CX
	WRMSR

	MOVQ	mailbox_sp(BX), SP
	MOVL	$const_apOnline, mailbox_state(BX)

	CALL	R12				// runtime·mstart
halt:
	CLI
	HLT
	JMP	halt

// func parkNMIPC() uintptr
PC_FUNC(·parkNMIPC, ·parkNMI)
