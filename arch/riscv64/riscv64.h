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
