// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

package arm64

import (
	_ "unsafe" // go:linkname

	"github.com/tamago-smp/kernel/arch"
)

// ExceptionStatus is the QEMU exit status after an exception: the vectors
// print one line on the console,
//
//	exception: cpu 1 el=2 vector=0x200 (sync) esr=0x96000006 elr=0x4011f30c far=0x8 lr=0x4011f2f8 sp=0x4003fe70 mpidr=0x1
//
// and exit QEMU with this status through semihosting SYS_EXIT. ELR is the
// address of the faulting instruction (go tool addr2line kernel.elf finds
// it), FAR the faulting data address for aborts. The CPU is its logical id
// ("?" for a CPU this package did not start) and its MPIDR_EL1 affinity. The vector offset names the
// kind: 0x200 synchronous, 0x280 IRQ, 0x300 FIQ, 0x380 SError, taken from the
// running level with SP_ELx (Arm ARM, D1 The AArch64 System Level
// Programmers' Model, Exception vectors).
//
// The first CPU to take an exception reports it; any other CPU that takes one
// meanwhile waits for QEMU to exit. A second exception on the reporting CPU
// (the report itself faulted) exits at once with the same status, the rest
// of the report left unprinted. See [arch.ExceptionStatus].
const ExceptionStatus = arch.ExceptionStatus

var (
	// exceptionUART is the base of the PL011 UART (Arm PrimeCell UART
	// (PL011) Technical Reference Manual, 3 Programmers Model: UARTDR at
	// 0x000, UARTFR at 0x018) the vectors print on; 0 prints nothing. The
	// board sets it at link time, as TamaGo boards set
	// runtime/goos.RamStart, so that exceptions are reported from the first
	// instruction on. The link name carries no package path, so that it
	// stays right in a module forked from this one under another path:
	//
	//	//go:linkname exceptionUART _exception_uart
	//	var exceptionUART uint64 = UART0_BASE
	//
	//go:linkname exceptionUART _exception_uart
	exceptionUART uint64

	// excLock is 0, or the MPIDR_EL1 affinity | hwidValid of the CPU
	// reporting an exception.
	excLock uint64

	// excExit is the SYS_EXIT parameter block of an exception exit.
	excExit = [2]uint64{ADP_Stopped_ApplicationExit, ExceptionStatus}

	// excELExit is the SYS_EXIT parameter block of fatal_el: the kernel
	// refuses the exception level, nothing faulted.
	excELExit = [2]uint64{ADP_Stopped_ApplicationExit, EarlyStatus}
)

// Text printed by the vectors (exception.s), one string per field.
var (
	excText       = "exception: cpu "
	excELText     = " el="
	excVecText    = " vector="
	excESRText    = " esr="
	excELRText    = " elr="
	excFARText    = " far="
	excLRText     = " lr="
	excSPText     = " sp="
	excMPIDRText  = " mpidr="
	excUnknownCPU = "?"
	excKinds      = [4]string{" (sync)", " (irq)", " (fiq)", " (serror)"}
	excEOL        = "\r\n"
	excELFatal    = "arm64: cannot run at this exception level: el="
)

// defined in exception.s
func vectors()
