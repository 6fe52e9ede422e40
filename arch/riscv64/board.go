// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

package riscv64

// The board contract: what the board package defines for this package, by
// link names without a package path (so that they stay right in a fork).
// Without one the kernel does not link ("relocation target ... not
// defined"). The trap vector and cpuinit use them from the first
// instruction of every hart, so the two routines take no stack, no g and
// no gp, and contain no compressed instruction (a hart without the C
// extension reports through them):
//
//	_board_putc   TEXT: writes the byte in X21 to the console, waiting for
//	              room; uses X18 and X20 only, returns to RA (CALL).
//	_board_exit   TEXT: stops the machine with the status in X19 (0 for
//	              success); never returns (JMP). Uses X18-X22 at most.
//	_board_clint  DATA, 8 bytes: the base of the boot hart's CLINT, whose
//	              mtime the runtime clock reads until the device tree
//	              names it (cpuinit copies it).
//	_board_timebase  DATA, 8 bytes: the frequency of mtime in Hz, a
//	              divisor of 1e9 (the device tree's timebase-frequency).

// Putc writes c to the board's console (_board_putc). It allocates nothing,
// needs no runtime and is safe from any hart.
//
// defined in board.s
func Putc(c byte)

// defined in board.s
func board_exit(code int32)

// uart_puts, uart_puthex and uart_putdec are the string and number
// printers of the trap vector and of cpuinit's reports (board.s). Never
// called from Go.
func uart_puts()
func uart_puthex()
func uart_putdec()

// Exit stops the machine with code through the board's _board_exit, for
// runtime/goos.Exit. A non-zero code whose low byte is zero becomes 255, so
// that a failure never reads as success where the exit device keeps the
// low byte (QEMU's exit(3)).
func Exit(code int32) {
	if code != 0 && code&0xff == 0 {
		code = 0xff
	}

	board_exit(code)
}
