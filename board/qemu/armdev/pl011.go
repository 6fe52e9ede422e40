// Devices of the QEMU arm64 boards of the SMP kernel, aarch64
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

package armdev

// PL011 registers (Arm PrimeCell UART (PL011) Technical Reference Manual,
// 3.2 Summary of registers, 3.3.3 Flag Register), for the board's console,
// _board_putc in pl011.s (package arm64's board contract, board.go), at
// the board's _board_uart0. QEMU's PL011 transmits without any
// programming, like the one of firmware that already set a console up.
const (
	UARTDR      = 0x000 // data
	UARTFR      = 0x018 // flags
	UARTFR_TXFF = 5     // transmit FIFO full
)
