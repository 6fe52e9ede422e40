// x86_64 SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

#include "go_asm.h"
#include "textflag.h"

// The code up to TamaGo's entry runs in 32-bit protected mode. The Go
// assembler encodes everything here without REX prefixes, so it decodes the
// same in 32-bit mode, with one exception it cannot avoid: `MOVL $sym(SB),
// reg` becomes a RIP-relative LEA, which 32-bit mode reads as an absolute
// displacement. As in TamaGo's cpuinit, the displacement is added to the
// address of the instruction that follows the LEA, found with a CALL.
// Pointers stored in data are absolute and usable as they are: the loader
// puts the image at its link address.

// ADDR sets AX to the address of sym, in 32-bit mode. It clobbers CX.
#define ADDR(sym) \
	CALL	·getPC<>(SB); \
	MOVL	$sym(SB), CX; \
	ADDL	$6, AX; \
	ADDL	CX, AX

// PUTS writes the earlyText string field at offset off.
#define PUTS(off) \
	ADDR(·earlyText); \
	MOVL	off+0(AX), SI; \
	MOVL	off+8(AX), CX; \
	CALL	early_puts(SB)

// _rt0_percpu_amd64 is the kernel's ELF entry point (the build links with
// -E _rt0_percpu_amd64, which also puts it in the PVH note QEMU follows).
//
// Where control came from: QEMU's PVH boot of the ELF, on the boot CPU only,
// in 32-bit protected mode with paging off, flat segments, no stack and
// EBX holding the physical address of the PVH start_info (PVH boot ABI,
// xenbits.xen.org/docs/unstable/misc/pvh.html).
//
// What it does:
//
//  1. Keeps the start_info address in startInfo (command line, RSDP).
//  2. Loads earlyIDT, so that an exception from here to the Go fault
//     reports prints one line and exits instead of a triple fault.
//  3. Checks with CPUID the features in earlyFeatures, and the RAM of the
//     PVH memory map against what TamaGo's runtime takes (RamStart +
//     RamSize); on failure prints one line on COM1 and exits through
//     the board's exit device (_board_exit) with EarlyStatus.
//  4. Points GS_BASE at per-CPU area 0, the first 64-byte aligned address
//     of the linker-defined region, so that the boot CPU has its per-CPU
//     register before any Go code runs. WRMSR to IA32_GS_BASE is allowed
//     outside 64-bit mode and the value survives the switch to long mode,
//     which loads no GS selector (Intel SDM Vol. 3A, 3.4.4.1 Segment
//     Loading Instructions in IA-32e Mode; Vol. 4, Table 2-2 IA32_GS_BASE).
//
// Where it goes next: TamaGo's entry, which runs TamaGo's cpuinit (paging,
// long mode, stack) and then the Go runtime.
TEXT _rt0_percpu_amd64(SB),NOSPLIT|NOFRAME,$0
	MOVL	BX, DI				// PVH start_info
	MOVL	$const_earlyStackTop, SP

	ADDR(·startInfo)
	MOVL	DI, (AX)

	CALL	early_idt<>(SB)
	CALL	early_cpu<>(SB)
	CALL	early_ram<>(SB)

	ADDR(_percpu_start)
	ADDL	$(const_areaAlign-1), AX	// round up to the area alignment
	ANDL	$~(const_areaAlign-1), AX
	XORL	DX, DX				// EDX:EAX = area 0 base (below 4 GiB)
	MOVL	$const_MSR_GS_BASE, CX
	WRMSR

	JMP	_rt0_amd64_tamago(SB)

// getPC returns, in AX, the address it was called from.
TEXT ·getPC<>(SB),NOSPLIT|NOFRAME,$0
	POPQ	AX
	JMP	AX

// early_idt fills earlyIDT with 64-bit interrupt gates to the faultVectors
// entries (codeSelector: TamaGo's 64-bit code segment, present, DPL 0,
// interrupt gate; Intel SDM Vol. 3A, 6.14.1 64-Bit Mode IDT) and loads it.
// 32-bit mode: the IDTR base is the 32-bit address of earlyIDT.
TEXT early_idt<>(SB),NOSPLIT|NOFRAME,$0
	ADDR(·faultVectors)
	MOVL	AX, DX				// DX = entry of vector 0
	ADDR(·earlyIDT)
	MOVL	AX, DI
	XORL	BX, BX
gate:
	MOVL	DX, AX
	ANDL	$0xffff, AX
	ORL	$(const_codeSelector<<16), AX	// offset 15:0, selector
	MOVL	AX, 0(DI)
	MOVL	DX, AX
	ANDL	$0xffff0000, AX
	ORL	$(const_interruptType<<8), AX	// offset 31:16, P, DPL 0, type 0xe
	MOVL	AX, 4(DI)
	MOVL	$0, 8(DI)			// offset 63:32
	MOVL	$0, 12(DI)
	ADDL	$const_faultVectorSize, DX
	ADDL	$16, DI
	INCL	BX
	CMPL	BX, $32
	JB	gate

	ADDR(·earlyIDTR)
	MOVL	AX, DI
	ADDR(·earlyIDT)
	MOVW	$(32*16-1), 0(DI)		// limit
	MOVL	AX, 2(DI)			// base
	LIDT	(DI)
	RET

// early_cpu checks every earlyFeatures entry: the leaf must be within the
// highest leaf of its range (CPUID 0 or 80000000H) and the bit set.
TEXT early_cpu<>(SB),NOSPLIT|NOFRAME,$0
	ADDR(·earlyFeatures)
	MOVL	AX, SI
	MOVL	$const_earlyFeatureCount, DI
next:
	TESTL	DI, DI
	JEQ	done
	MOVL	earlyFeature_leaf(SI), AX
	ANDL	$0x80000000, AX
	XORL	CX, CX
	CPUID					// AX = highest leaf of the range
	CMPL	AX, earlyFeature_leaf(SI)
	JB	missing
	MOVL	earlyFeature_leaf(SI), AX
	XORL	CX, CX
	CPUID
	MOVL	earlyFeature_reg(SI), BP
	CMPL	BP, $const_regEBX
	JNE	2(PC)
	MOVL	BX, AX
	CMPL	BP, $const_regECX
	JNE	2(PC)
	MOVL	CX, AX
	CMPL	BP, $const_regEDX
	JNE	2(PC)
	MOVL	DX, AX
	MOVL	earlyFeature_bit(SI), CX
	SHRL	CX, AX
	TESTL	$1, AX
	JEQ	missing
	ADDL	$earlyFeature__size, SI
	DECL	DI
	JMP	next
done:
	RET
missing:
	PUSHQ	SI
	PUTS(earlyStrings_lacks)
	POPQ	BX
	MOVL	earlyFeature_name(BX), SI
	MOVL	earlyFeature_name+8(BX), CX
	CALL	early_puts(SB)
	PUTS(earlyStrings_needs)
	JMP	early_exit(SB)

// early_ram checks, when the PVH start_info (version 1 and later) has a
// memory map, that a RAM entry holds RamStart..RamStart+RamSize, the
// memory TamaGo's runtime takes (tamago amd64/mem.go, the board's RamSize).
TEXT early_ram<>(SB),NOSPLIT|NOFRAME,$0
	ADDR(runtime∕goos·RamStart)
	MOVL	(AX), BP			// BP = RamStart

	ADDR(·startInfo)
	MOVL	(AX), BX
	TESTL	BX, BX
	JEQ	skip
	CMPL	pvhStartInfo_magic(BX), $const_pvhMagic
	JNE	skip
	CMPL	pvhStartInfo_version(BX), $1
	JB	skip
	CMPL	pvhStartInfo_memmapPaddr+4(BX), $0
	JNE	skip
	MOVL	pvhStartInfo_memmapPaddr(BX), SI
	MOVL	pvhStartInfo_memmapEntries(BX), DI
	TESTL	DI, DI
	JEQ	skip

	XORL	BX, BX				// BX = end of the RAM holding RamStart
entry:
	TESTL	DI, DI
	JEQ	compare
	CMPL	pvhMemmapEntry_typ(SI), $const_pvhRAM
	JNE	following
	CMPL	pvhMemmapEntry_addr+4(SI), $0	// address above 4 GiB
	JNE	following
	MOVL	pvhMemmapEntry_addr(SI), AX
	CMPL	AX, BP
	JA	following			// starts above RamStart
	MOVL	pvhMemmapEntry_size(SI), CX
	MOVL	pvhMemmapEntry_size+4(SI), DX
	ADDL	CX, AX
	ADCL	$0, DX
	TESTL	DX, DX
	JNE	plenty				// ends at or above 4 GiB
	CMPL	AX, BX
	JBE	following
	MOVL	AX, BX
following:
	ADDL	$pvhMemmapEntry__size, SI
	DECL	DI
	JMP	entry
plenty:
	MOVL	$0xffffffff, BX
compare:
	ADDR(runtime∕goos·RamSize)
	MOVL	(AX), AX
	ADDL	BP, AX				// needed end, below 4 GiB
	CMPL	BX, AX
	JAE	ok
	PUSHQ	AX
	PUSHQ	BX
	PUTS(earlyStrings_ramAt)
	MOVL	BP, BX
	CALL	early_puthex(SB)
	PUTS(earlyStrings_endsAt)
	POPQ	BX
	CALL	early_puthex(SB)
	PUTS(earlyStrings_ramNeeds)
	POPQ	BX
	CALL	early_puthex(SB)
	PUTS(earlyStrings_ramEnd)
	JMP	early_exit(SB)
skip:
ok:
	RET

// early_putc writes the byte in AL to COM1 once the transmitter holding
// register is empty (8250/16550 LSR bit 5), waiting a bounded time: without
// a UART the line is lost, never a hang. It clobbers DX.
TEXT early_putc<>(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	CX
	PUSHQ	AX
	MOVL	$const_faultSpin, CX
wait:
	MOVW	$const_faultLSR, DX
	INB
	TESTB	$const_faultTHRE, AL
	JNE	send
	DECL	CX
	JNE	wait
send:
	POPQ	AX
	MOVW	$const_faultTHR, DX
	OUTB
	POPQ	CX
	RET

// early_puts writes CX bytes from SI to COM1. It clobbers AX, CX, DX, SI.
TEXT early_puts(SB),NOSPLIT|NOFRAME,$0
more:
	TESTL	CX, CX
	JEQ	end
	MOVB	(SI), AL
	CALL	early_putc<>(SB)
	INCL	SI
	DECL	CX
	JMP	more
end:
	RET

// early_puthex writes BX as 8 hex digits. It clobbers AX, BX, CX, DX.
TEXT early_puthex(SB),NOSPLIT|NOFRAME,$0
	MOVL	$8, CX
digit:
	ROLL	$4, BX
	MOVL	BX, AX
	ANDL	$0xf, AX
	CMPL	AX, $10
	JB	decimal
	ADDL	$('a'-'0'-10), AX
decimal:
	ADDL	$'0', AX
	CALL	early_putc<>(SB)
	DECL	CX
	JNE	digit
	RET

// early_exit stops the machine with EarlyStatus through the board's exit
// device (board.go).
TEXT early_exit(SB),NOSPLIT|NOFRAME,$0
	CLI
	MOVL	$const_EarlyStatus, AX
	JMP	_board_exit(SB)

// func Trap()
TEXT ·Trap(SB),NOSPLIT,$0
	BYTE	$0x0f; BYTE $0x0b		// ud2
	RET
