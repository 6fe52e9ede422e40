// x86_64 SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

#include "go_asm.h"
#include "textflag.h"

// EFI calls use the Microsoft x64 convention (UEFI 2.10 §2.3.4.2):
// arguments in CX, DX, R8, R9, then on the stack above 32 bytes of shadow
// space, SP 16-byte aligned at the CALL, status in AX; AX, CX, DX and R8-R11
// are the callee's. R12 (image handle), R13 (system table) and R14 (boot
// services) survive the calls.
#define EFICALL(fn) \
	MOVQ	fn(R14), AX; \
	CALL	AX

// PUTS writes the efiText string field at offset off (entry.s early_puts).
#define PUTS(off) \
	MOVQ	$·efiText(SB), AX; \
	MOVL	off+0(AX), SI; \
	MOVL	off+8(AX), CX; \
	CALL	early_puts(SB)

// PUTHEX64 writes the 64-bit register r as 16 hex digits.
#define PUTHEX64(r) \
	MOVQ	r, BX; \
	SHRQ	$32, BX; \
	CALL	early_puthex(SB); \
	MOVQ	r, BX; \
	CALL	early_puthex(SB)

// _rt0_percpu_efi is the kernel's UEFI entry point, the PE32+ image's
// AddressOfEntryPoint (the build links with -E _rt0_percpu_efi).
//
// Where control came from: the firmware's boot manager started the image
// (\EFI\BOOT\BOOTX64.EFI), loaded at its link address, on the boot CPU in
// 64-bit mode with the firmware's identity-mapped paging and stack, the
// image handle in CX and the system table in DX (UEFI 2.10 §2.3.4.1).
//
// What it does, with the boot services (UEFI 2.10 §7.2, §7.4):
//
//  1. AllocatePages(AllocateAddress) of the runtime's RAM beyond the image
//     (runtime·end to RamStart + RamSize) and of the low pages the kernel
//     writes (efiLowStart-efiLowEnd: AP trampoline, TamaGo's page tables);
//     on failure it prints a named line and exits with EarlyStatus.
//  2. Takes the RSDP from the configuration table: the ACPI 2.0 GUID, else
//     1.0, never a scan of low memory.
//  3. GetMemoryMap and ExitBootServices, with a fresh map key once if the
//     first call fails (the key goes stale whenever the map changes).
//  4. With interrupts off and the legacy PIC masked, fills a PVH start_info
//     (version 1, the RSDP, no memory map: the RAM is owned already) and
//     leaves long mode (Intel SDM Vol. 3A, 10.8.5.4 Switching Out of IA-32e
//     Mode Operation): far return to a 32-bit code segment, paging off,
//     EFER.LME off, PAE and PGE off.
//
// Where it goes next: the PVH entry _rt0_percpu_amd64 in 32-bit protected
// mode with BX = the start_info, as QEMU's PVH boot enters it.
TEXT _rt0_percpu_efi(SB),NOSPLIT|NOFRAME,$0
	MOVQ	CX, R12
	MOVQ	DX, R13
	MOVQ	efiSystemTable_bootServices(R13), R14
	ANDQ	$~15, SP
	SUBQ	$64, SP

	// 1. RAM from runtime·end, page aligned, to RamStart + RamSize
	MOVQ	$runtime·end(SB), AX
	ADDQ	$((1<<const_efiPageShift)-1), AX
	ANDQ	$~((1<<const_efiPageShift)-1), AX
	MOVQ	AX, ·efi+efiState_addr(SB)
	MOVQ	runtime∕goos·RamStart(SB), R8
	ADDQ	runtime∕goos·RamSize(SB), R8
	SUBQ	AX, R8
	SHRQ	$const_efiPageShift, R8
	MOVQ	$const_efiAllocateAddress, CX
	MOVQ	$const_efiLoaderData, DX
	MOVQ	$·efi+efiState_addr(SB), R9
	EFICALL(efiBootServices_allocatePages)
	TESTQ	AX, AX
	JEQ	low
	MOVQ	AX, R15
	PUTS(efiStrings_ram)
	MOVQ	·efi+efiState_addr(SB), BX
	CALL	early_puthex(SB)
	PUTS(efiStrings_to)
	MOVQ	runtime∕goos·RamStart(SB), BX
	ADDQ	runtime∕goos·RamSize(SB), BX
	CALL	early_puthex(SB)
	JMP	fail

low:
	MOVQ	$const_efiLowStart, AX
	MOVQ	AX, ·efi+efiState_addr(SB)
	MOVQ	$const_efiAllocateAddress, CX
	MOVQ	$const_efiLoaderData, DX
	MOVQ	$((const_efiLowEnd-const_efiLowStart)>>const_efiPageShift), R8
	MOVQ	$·efi+efiState_addr(SB), R9
	EFICALL(efiBootServices_allocatePages)
	TESTQ	AX, AX
	JEQ	rsdp
	MOVQ	AX, R15
	PUTS(efiStrings_low)
	MOVL	$const_efiLowStart, BX
	CALL	early_puthex(SB)
	PUTS(efiStrings_to)
	MOVL	$const_efiLowEnd, BX
	CALL	early_puthex(SB)
	JMP	fail

	// 2. the RSDP: ACPI 2.0 entry first, else the ACPI 1.0 one
rsdp:
	MOVQ	efiSystemTable_configTable(R13), SI
	MOVQ	efiSystemTable_tableEntries(R13), CX
	XORL	DI, DI				// ACPI 1.0 table, if seen
	MOVQ	$const_efiACPI20Lo, R8
	MOVQ	$const_efiACPI20Hi, R9
	MOVQ	$const_efiACPI10Lo, R10
	MOVQ	$const_efiACPI10Hi, R11
entry:
	TESTQ	CX, CX
	JEQ	acpi10
	MOVQ	efiConfigEntry_guid(SI), AX
	MOVQ	efiConfigEntry_guid+8(SI), DX
	CMPQ	AX, R8
	JNE	v1
	CMPQ	DX, R9
	JNE	v1
	MOVQ	efiConfigEntry_table(SI), DI
	JMP	found
v1:
	CMPQ	AX, R10
	JNE	nextEntry
	CMPQ	DX, R11
	JNE	nextEntry
	MOVQ	efiConfigEntry_table(SI), DI
nextEntry:
	ADDQ	$efiConfigEntry__size, SI
	DECQ	CX
	JMP	entry
acpi10:
	TESTQ	DI, DI
	JNE	found
	PUTS(efiStrings_noACPI)
	PUTS(efiStrings_end)
	JMP	early_exit(SB)
found:
	MOVQ	DI, ·efi+efiState_start+pvhStartInfo_rsdpPaddr(SB)

	// 3. the memory map's key, then ExitBootServices, twice at most
	MOVQ	$2, BP
exitBoot:
	MOVQ	$const_efiMapSize, AX
	MOVQ	AX, ·efi+efiState_mapSize(SB)
	MOVQ	$·efi+efiState_mapSize(SB), CX
	MOVQ	$·efiMap(SB), DX
	MOVQ	$·efi+efiState_mapKey(SB), R8
	MOVQ	$·efi+efiState_descSz(SB), R9
	MOVQ	$·efi+efiState_descVer(SB), AX
	MOVQ	AX, 32(SP)
	EFICALL(efiBootServices_getMemoryMap)
	MOVQ	R12, CX
	MOVQ	·efi+efiState_mapKey(SB), DX
	EFICALL(efiBootServices_exitBoot)
	TESTQ	AX, AX
	JEQ	owned
	DECQ	BP
	JNE	exitBoot
	MOVQ	AX, R15
	PUTS(efiStrings_exitBoot)
	MOVQ	·efi+efiState_mapKey(SB), BX
	CALL	early_puthex(SB)
	JMP	fail

	// 4. the machine is the kernel's: no interrupts (mask the 8259 PICs,
	// OCW1 to ports 0x21 and 0xa1), a PVH start_info, 32-bit mode
owned:
	CLI
	MOVB	$0xff, AL
	MOVW	$0x21, DX
	OUTB
	MOVW	$0xa1, DX
	OUTB

	MOVL	$const_pvhMagic, ·efi+efiState_start+pvhStartInfo_magic(SB)
	MOVL	$1, ·efi+efiState_start+pvhStartInfo_version(SB)

	MOVQ	$·efi+efiState_gdtr(SB), AX
	MOVW	$(3*8-1), 0(AX)
	MOVQ	$·efiGDT(SB), CX
	MOVQ	CX, 2(AX)
	LGDT	(AX)

	MOVQ	$·efi+efiState_start(SB), BX
	MOVQ	$_rt0_percpu_amd64(SB), SI
	MOVQ	$efi_compat<>(SB), AX
	PUSHQ	$const_efiCode32
	PUSHQ	AX
	RETFQ

fail:
	PUTS(efiStrings_status)
	PUTHEX64(R15)
	PUTS(efiStrings_end)
	JMP	early_exit(SB)

// efi_compat runs in 32-bit compatibility mode, then in protected mode,
// from the identity-mapped image: it turns paging, then long mode, off and
// jumps to the PVH entry in SI with the start_info in BX.
TEXT efi_compat<>(SB),NOSPLIT|NOFRAME,$0
	MOVL	$const_efiData32, AX
	BYTE	$0x8e; BYTE $0xd8		// MOV DS, AX
	BYTE	$0x8e; BYTE $0xc0		// MOV ES, AX
	BYTE	$0x8e; BYTE $0xd0		// MOV SS, AX

	MOVL	CR0, AX
	ANDL	$0x7fffffff, AX			// clear CR0.PG: EFER.LMA clears
	MOVL	AX, CR0

	MOVL	$const_MSR_EFER, CX
	RDMSR
	ANDL	$~(1<<8), AX			// clear EFER.LME
	WRMSR

	XORL	AX, AX				// clear CR4.(PGE|PAE), set again by cpuinit
	MOVL	AX, CR4

	JMP	SI
