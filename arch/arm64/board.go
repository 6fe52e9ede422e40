// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

package arm64

// The board contract: what the board package defines for this package, by
// link names without a package path (so that they stay right in a fork).
// Without one the kernel does not link ("relocation target ... not
// defined"):
//
//	_board_putc  TEXT: writes the byte in R20 to the console, waiting for
//	             room; uses R19 and R22 only, returns with RET. No stack, no
//	             g: the exception vectors and cpuinit call it with BL.
//	_board_exit  TEXT: stops the machine with the status in R0 (0 for
//	             success); never returns (B). No stack, no g.
//	_early_dtb   DATA, 8 bytes: the address of the device tree cpuinit
//	             checks the RAM size against, 0 for none (no check).

// Putc writes c to the board's console (_board_putc). It allocates nothing,
// needs no runtime and is safe from any CPU (characters of concurrent
// writers interleave).
//
// defined in board.s
func Putc(c byte)

// defined in board.s
func board_exit(code int32)

// Exit stops the machine with code through the board's _board_exit, for
// runtime/goos.Exit (os.Exit, a Go panic or fatal error). A non-zero code
// whose low byte is zero becomes 255, so that a failure never reads as
// success where the exit device keeps the low byte (QEMU's exit(3)).
func Exit(code int32) {
	if code != 0 && code&0xff == 0 {
		code = 0xff
	}

	board_exit(code)
}

// earlyDTB returns the board's _early_dtb.
//
// defined in board.s
func earlyDTB() uint64
