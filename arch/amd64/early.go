// x86_64 SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

package amd64

import "github.com/tamago-smp/kernel/arch"

// EarlyStatus is the exit code of the early-boot checks of the ELF entry
// point (entry.s), before any Go code runs: the CPU lacks a feature the
// kernel needs, or the machine has too little RAM (QEMU status
// EarlyStatus<<1 | 1 through isa-debug-exit): see [arch.EarlyStatus]. An
// exception taken before the Go fault reports are installed exits with
// [ExceptionStatus].
const EarlyStatus = arch.EarlyStatus

// earlyStackTop is the stack of the ELF entry point, in the AP trampoline
// page, which is unused until Prepare.
const earlyStackTop = apData

// CPUID output registers, for earlyFeature.reg.
const (
	regEAX = iota
	regEBX
	regECX
	regEDX
)

// earlyFeature is one CPU feature the kernel needs: CPUID leaf (sub-leaf
// 0), output register and bit (Intel SDM Vol. 2A, CPUID; AMD64 APM Vol. 3,
// Appendix E), and how the report names it.
type earlyFeature struct {
	leaf uint32
	reg  uint32
	bit  uint32
	name string
}

// earlyFeatures are checked in this order by the ELF entry point, in
// 32-bit mode, before TamaGo's cpuinit uses any of them. The table is
// static data: it is read before the Go runtime exists.
var earlyFeatures = [...]earlyFeature{
	{0x00000001, regEDX, 0, "FPU (CPUID.01H:EDX[0])"},
	{0x00000001, regEDX, 4, "TSC (CPUID.01H:EDX[4]), the kernel clock"},
	{0x00000001, regEDX, 5, "MSR (CPUID.01H:EDX[5]), for GS_BASE and EFER"},
	{0x00000001, regEDX, 6, "PAE (CPUID.01H:EDX[6]), for long mode paging"},
	{0x00000001, regEDX, 9, "APIC (CPUID.01H:EDX[9]), to start the other CPUs"},
	{0x00000001, regEDX, 13, "PGE (CPUID.01H:EDX[13]), set by TamaGo's cpuinit"},
	{0x00000001, regEDX, 15, "CMOV (CPUID.01H:EDX[15]), x86-64 baseline"},
	{0x00000001, regEDX, 24, "FXSR (CPUID.01H:EDX[24]), for SSE state"},
	{0x00000001, regEDX, 25, "SSE (CPUID.01H:EDX[25])"},
	{0x00000001, regEDX, 26, "SSE2 (CPUID.01H:EDX[26])"},
	{0x00000001, regECX, 30, "RDRAND (CPUID.01H:ECX[30]), TamaGo's random source"},
	{0x80000001, regEDX, 29, "long mode (CPUID.80000001H:EDX[29])"},
	{0x80000001, regEDX, 26, "1 GiB pages (CPUID.80000001H:EDX[26]), used by TamaGo's page tables"},
}

const earlyFeatureCount = len(earlyFeatures)

// earlyStrings are the pieces of the early report lines; entry.s reads them
// through the go_asm.h offsets.
type earlyStrings struct {
	lacks, needs, ramAt, endsAt, ramNeeds, ramEnd string
}

var earlyText = earlyStrings{
	lacks:    "\r\nearly: the CPU lacks ",
	needs:    ", which the kernel needs\r\n",
	ramAt:    "\r\nearly: RAM too small: the PVH memory map's RAM at 0x",
	endsAt:   " ends at 0x",
	ramNeeds: ", the kernel needs it up to 0x",
	ramEnd:   " (RamStart + RamSize)\r\n",
}

// earlyIDT is the interrupt descriptor table from the ELF entry point until
// TamaGo's CPU.EnableExceptions: all 32 exception vectors go to the fault
// report (faultVectors, see EnableFaultReports), which prints one line and
// exits with ExceptionStatus instead of a triple fault. Its 64-bit gates are
// written in 32-bit mode and used once TamaGo's cpuinit is in long mode.
var (
	earlyIDT  [32][2]uint64
	earlyIDTR [10]byte
)

// Trap executes UD2: an invalid opcode exception on purpose, to test the
// fault reports.
//
// defined in entry.s
func Trap()
