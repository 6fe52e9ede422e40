// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

package riscv64

// NS16550A registers, byte-spaced (National Semiconductor PC16550D data
// sheet, Table II; QEMU hw/char/serial.c).
const (
	uartTHR      = 0      // transmit holding register (write)
	uartLSR      = 5      // line status register
	uartLSR_THRE = 1 << 5 // transmit holding register empty
)

// SiFive test finisher commands (QEMU include/hw/misc/sifive_test.h).
const (
	finisherFail = 0x3333 // exit((value >> 16) & 0xffff)
	finisherPass = 0x5555 // exit(0)
)

// defined in mmio.s
func uart_tx(base uint64, c byte)
func finish(base uint64, code int32)

// NS16550Tx writes c to the transmit holding register of the NS16550A UART
// at base, after waiting for it to be empty (LSR.THRE).
//
// It is written in assembly and uses no stack beyond its frame, so it can
// back goos.Printk before the runtime is up.
func NS16550Tx(base uint64, c byte) {
	uart_tx(base, c)
}

// SiFiveTestExit stops the machine through the SiFive test finisher at
// base (QEMU hw/misc/sifive_test.c): status 0 is written as FINISHER_PASS,
// any other status as FINISHER_FAIL with the status in bits 31:16, which
// QEMU passes to exit(3). Only bits 15:0 of status reach the device.
//
// The store is done in assembly: a Go store followed by an endless loop can
// be compiled into a byte load of the device, which sifive_test rejects.
// SiFiveTestExit does not return; if the device ignores the store the hart
// sleeps in WFI forever.
func SiFiveTestExit(base uint64, status int32) {
	finish(base, status)
}

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

// Devices the trap vector (trap.s) and the early reports (early.s) use.
var trapUART, trapTest uint64
