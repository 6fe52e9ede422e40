// x86_64 SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

#include "go_asm.h"
#include "textflag.h"

// _rt0_percpu_amd64 is the kernel's ELF entry point (the build links with
// -E _rt0_percpu_amd64, which also puts it in the PVH note QEMU follows).
//
// Where control came from: QEMU's PVH boot of the ELF, on the boot CPU only,
// in 32-bit protected mode with paging off, flat segments and no stack (PVH
// boot ABI, xenbits.xen.org/docs/unstable/misc/pvh.html).
//
// What it does: points GS_BASE at per-CPU area 0, the first 64-byte aligned
// address of the linker-defined region, so that the boot CPU has its per-CPU
// register before any Go code runs. WRMSR to IA32_GS_BASE is allowed outside
// 64-bit mode and the value survives the switch to long mode, which loads no
// GS selector (Intel SDM Vol. 3A, 3.4.4.1 Segment Loading Instructions in
// IA-32e Mode; Vol. 4, Table 2-2 IA32_GS_BASE).
//
// The Go assembler encodes everything here without REX prefixes, so it
// decodes the same in 32-bit mode, with one exception it cannot avoid:
// `MOVL $sym(SB), reg` becomes a RIP-relative LEA, which 32-bit mode reads
// as an absolute displacement. As in TamaGo's cpuinit, the displacement is
// added to the address of the instruction that follows the LEA, found with
// a CALL (the stack is the AP trampoline's, unused until APs start).
//
// Where it goes next: TamaGo's entry, which runs TamaGo's cpuinit (paging,
// long mode, stack) and then the Go runtime.
TEXT _rt0_percpu_amd64(SB),NOSPLIT|NOFRAME,$0
	MOVL	$const_apStackTop, SP
	CALL	·getPC<>(SB)			// AX = address of the LEA below
	MOVL	$_percpu_start(SB), BX		// 32-bit mode: BX = offset from the next instruction
	ADDL	$6, AX				// length of that LEA (8d 1d disp32)
	ADDL	BX, AX				// AX = _percpu_start

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
