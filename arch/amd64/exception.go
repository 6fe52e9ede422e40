// x86_64 SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

package amd64

import (
	"unsafe"

	"github.com/tamago-smp/kernel/arch"
)

// ExceptionStatus is the exit code the exception report stops the machine
// with, through the board's exit device (board.go): see
// [arch.ExceptionStatus].
const ExceptionStatus = arch.ExceptionStatus

// COM1 registers the fault report writes to directly (8250/16550 UART: THR
// at base+0, LSR at base+5, LSR bit 5 = transmitter holding register
// empty). The report must not depend on any Go code, so it does not use
// the board's UART driver.
const (
	faultTHR  = 0x3f8
	faultLSR  = 0x3f8 + 5
	faultTHRE = 1 << 5

	// faultSpin bounds the wait for THRE per character: without a UART
	// the report is skipped, never a hang.
	faultSpin = 1 << 20
)

// Exception vectors that push an error code (Intel SDM Vol. 3A, 6.15
// Exception and Interrupt Reference; AMD64 APM Vol. 2, 8.2): #DF 8, #TS 10,
// #NP 11, #SS 12, #GP 13, #PF 14, #AC 17, #CP 21, #VC 29, #SX 30.
const faultErrorCodes = 1<<8 | 1<<10 | 1<<11 | 1<<12 | 1<<13 | 1<<14 | 1<<17 | 1<<21 | 1<<29 | 1<<30

// Vectors the fault report leaves to TamaGo: NMI (2), which TamaGo uses to
// wake processors, and #NM (7), which it routes to its interrupt handler.
const faultKeep = 1<<2 | 1<<7

// faultVectorSize is the size of one entry of faultVectors: a CALL rel32.
const faultVectorSize = 5

// faultStackSize is the size of the stack the report runs on.
const faultStackSize = 4096

// faultStrings are the pieces of the report line; exception.s reads them
// through the go_asm.h offsets.
type faultStrings struct {
	cpu, unknown, apic, vector, open, close, code, rip, rsp, rflags, cr2, gs, end string
}

// faultFrame is what the fault report saw, kept in memory for a debugger
// (`print 'github.com/tamago-smp/kernel/arch/amd64.faultRecord'`). Only the
// first faulting CPU writes it.
type faultFrame struct {
	cpu    uint64 // logical CPU id, ^0 if unknown
	apicID uint64
	vector uint64
	code   uint64 // error code, 0 for vectors without one
	rip    uint64
	cs     uint64
	rflags uint64
	rsp    uint64
	cr2    uint64
	gsBase uint64
}

var (
	// faultOwner is 0, or the initial APIC ID + 1 of the CPU that is
	// reporting a fault. It is never cleared: the report ends the run.
	faultOwner uint32

	faultRecord faultFrame

	// faultStack is the stack of the reporting CPU: the faulting stack
	// is not trusted beyond the frame the CPU pushed.
	faultStack [faultStackSize]byte

	// faultNames holds a 4-byte mnemonic per vector (Intel SDM Vol. 3A,
	// Table 6-1).
	faultNames = "#DE #DB NMI #BP #OF #BR #UD #NM #DF CSO #TS #NP #SS #GP #PF #15 #MF #AC #MC #XM #VE #CP #22 #23 #24 #25 #26 #27 #HV #VC #SX #31 "

	// pieces of the report line, see faultEntry
	faultText = faultStrings{
		cpu:     "\r\nexception: cpu ",
		unknown: "?",
		apic:    " apic=",
		vector:  " vector=",
		open:    " (",
		close:   ")",
		code:    " error=0x",
		rip:     " rip=0x",
		rsp:     " rsp=0x",
		rflags:  " rflags=0x",
		cr2:     " cr2=0x",
		gs:      " gs_base=0x",
		end:     "\r\n",
	}
)

// defined in exception.s

// faultVectors is a table of 32 CALL faultEntry instructions, one per
// exception vector, installed in the IDT by EnableFaultReports; the return
// address each pushes tells faultEntry the vector. Never called from Go.
func faultVectors()

// faultEntry is the common exception entry (see exception.s). Never called from
// Go.
func faultEntry()

// faultVectorsPC returns the address of faultVectors.
func faultVectorsPC() uintptr

// EnableFaultReports points the processor exception vectors (0-31, except
// NMI and #NM) of the interrupt descriptor table in use at the fault
// report of this package, which replaces TamaGo's (it printed "exception:
// vector N" on the boot CPU's terms and panicked, which on a secondary CPU
// could hang). On any CPU, an exception now prints one line on COM1:
//
//	exception: cpu <logical id> apic=<APIC ID> vector=<n> (<mnemonic>) error=0x<code> rip=0x<RIP> rsp=0x<RSP> rflags=0x<RFLAGS> [cr2=0x<CR2>] gs_base=0x<GS_BASE>
//
// and stops the machine through the board's exit device with [ExceptionStatus]. The
// CPU is named by its logical id, the index of its APIC ID (read as the AP
// trampoline reads it, see amd64.h) in the table [SMP.Prepare] and
// [SMP.Wake] fill ("?" for a CPU not there; 0 before Prepare, when only the
// boot CPU runs), then by that APIC ID; cr2 (the faulting address) is
// printed for page faults (vector 14) only. The report runs in assembly on a
// stack of its own and reads nothing the fault could have broken: not the
// per-CPU area (gs_base is printed, not followed), not g. Only the first
// faulting CPU reports; any other CPU that faults meanwhile stops, and a
// fault inside the report exits at once.
//
// Call it on the boot CPU after TamaGo's CPU.EnableExceptions (which would
// overwrite these entries) and before [SMP.Prepare], which hands the same
// table to every AP. A fault that cannot push its frame (a stack overflow
// into unmapped memory) still ends in a triple fault, which QEMU
// -no-reboot turns into an exit with status 0 that the harness reports as
// a reset.
func EnableFaultReports() {
	var idtr [10]byte
	sidt(&idtr)

	// Intel SDM Vol. 3A, 6.14.1 64-Bit Mode IDT: 16-byte gates
	base, _ := tableRegister(&idtr)
	entry := faultVectorsPC()

	for v := 0; v < 32; v++ {
		if faultKeep&(1<<v) != 0 {
			continue
		}

		*(*[2]uint64)(mem(base + uintptr(v)*16)) = interruptGate(entry + uintptr(v)*faultVectorSize)
	}
}

// Segment selectors of TamaGo's GDT, which the AP trampoline's GDT copies
// for its code segment, and the type byte of an interrupt gate (Intel SDM
// Vol. 3A, 6.14.1 64-Bit Mode IDT); entry.s and smp.s read them from
// go_asm.h.
const (
	codeSelector  = 0x08 // GDT entry 1: 64-bit code
	dataSelector  = 0x10 // GDT entry 2: data
	interruptType = 0x8e // present, DPL 0, 64-bit interrupt gate (IF cleared)
)

// tableRegister returns the base and the limit of a descriptor table
// register image, as SGDT and SIDT store it in 64-bit mode: limit (2
// bytes), then base (8 bytes) (Intel SDM Vol. 3A, 2.4 Memory-Management
// Registers).
func tableRegister(r *[10]byte) (base uintptr, limit int) {
	return uintptr(*(*uint64)(unsafe.Pointer(&r[2]))), int(*(*uint16)(unsafe.Pointer(&r[0])))
}

// interruptGate returns the 16-byte IDT gate of a 64-bit interrupt gate to
// handler (Intel SDM Vol. 3A, 6.14.1 64-Bit Mode IDT).
func interruptGate(handler uintptr) (gate [2]uint64) {
	off := uint64(handler)

	gate[0] = off&0xffff | // offset 15:0
		codeSelector<<16 | // code segment selector
		interruptType<<40 | // present, DPL 0, 64-bit interrupt gate
		(off>>16&0xffff)<<48 // offset 31:16
	gate[1] = off >> 32 // offset 63:32

	return
}
