// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

package riscv64

import (
	_ "unsafe" // go:linkname

	"github.com/tamago-smp/kernel/arch"
)

// ExceptionStatus is the exit status of the exception report
// (exception.s): see [arch.ExceptionStatus].
const ExceptionStatus = arch.ExceptionStatus

// exception is the machine trap vector of every hart (mtvec), installed by
// cpuinit. Never called from Go.
//
// defined in exception.s
func exception()

// Devices the trap vector (exception.s), the early reports (early.s and
// early.go) and [Exit] use: the NS16550A UART and the SiFive test finisher.
// A board names both at link time, so that they work from the first
// instruction: it defines initialized variables linknamed to
// _exception_uart and _exception_test, as package virt does (the way TamaGo
// boards define runtime/goos.RamStart). The link names carry no package
// path, so that they stay right in a module forked from this one under
// another path. Zero disables the report (UART) or the exit (finisher: the
// trapping hart then sleeps forever).
var (
	//go:linkname exceptionUART _exception_uart
	exceptionUART uint64

	//go:linkname exceptionTest _exception_test
	exceptionTest uint64
)
