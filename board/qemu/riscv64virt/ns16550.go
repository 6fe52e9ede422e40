// QEMU virt board for the SMP kernel, RISC-V 64-bit
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

package riscv64virt

// NS16550A registers, byte-spaced (National Semiconductor PC16550D data
// sheet, Table II; QEMU hw/char/serial.c), for the board's console,
// _board_putc in ns16550.s (package riscv64's board contract, board.go).
// QEMU's UART transmits without any programming.
const (
	uartTHR      = 0      // transmit holding register (write)
	uartLSR      = 5      // line status register
	uartLSR_THRE = 1 << 5 // transmit holding register empty
)
