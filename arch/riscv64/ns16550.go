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

// defined in ns16550.s
func uart_tx(base uint64, c byte)

// uart_putc is the character output of the exception report and of the
// reports of cpuinit, and uart_puts, uart_puthex and uart_putdec the
// string and number output built on it (see ns16550.s). Never called from
// Go.
func uart_putc()
func uart_puts()
func uart_puthex()
func uart_putdec()

// NS16550Tx writes c to the transmit holding register of the NS16550A UART
// at base, after waiting for it to be empty (LSR.THRE).
//
// It is written in assembly and uses no stack beyond its frame, so it can
// back goos.Printk before the runtime is up.
func NS16550Tx(base uint64, c byte) {
	uart_tx(base, c)
}
