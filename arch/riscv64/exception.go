// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

package riscv64

import "github.com/tamago-smp/kernel/arch"

// ExceptionStatus is the exit status of the trap report (exception.s):
// see [arch.ExceptionStatus].
const ExceptionStatus = arch.ExceptionStatus

// defined in exception.s
func trap()

// SetTrapDevices tells the trap vector where to report: the NS16550A UART
// at uart and the SiFive test finisher at test. Zero disables the report
// (uart) or the exit (test: the trapping hart then sleeps forever).
//
// A board names both at link time instead, so that the trap vector and the
// early reports of cpuinit work from the first instruction: it defines
// initialised variables linknamed to
// github.com/tamago-smp/kernel/arch/riscv64.trapUART and .trapTest, as
// package virt does (the way TamaGo boards define runtime/goos.RamStart).
func SetTrapDevices(uart, test uint64) {
	trapUART = uart
	trapTest = test
}

// Devices the trap vector (exception.s) and the early reports (early.s) use.
var trapUART, trapTest uint64
