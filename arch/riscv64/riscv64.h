// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Instructions the Go assembler cannot encode, as WORD encodings.

// WFI stalls the hart until an interrupt is pending (The RISC-V Instruction
// Set Manual, Volume II: Privileged Architecture, 3.3.3 Wait for Interrupt:
// SYSTEM opcode, funct12 0x105).
#define WFI	WORD $0x10500073

// The CSRs of the mode the kernel runs in: machine mode, or supervisor mode
// under an SBI firmware (the sbi build tag, which defines const_supervisor
// in go_asm.h; sbi.go). In S-mode the hart id is not readable: every hart
// keeps the a0 it entered with in sscratch, which nothing else uses.
#ifdef const_supervisor
#define CSR_HARTID	SSCRATCH
#define CSR_IE		SIE
#define CSR_CAUSE	SCAUSE
#define CSR_EPC		SEPC
#define CSR_TVAL	STVAL
#else
#define CSR_HARTID	MHARTID
#define CSR_IE		MIE
#define CSR_CAUSE	MCAUSE
#define CSR_EPC		MEPC
#define CSR_TVAL	MTVAL
#endif
