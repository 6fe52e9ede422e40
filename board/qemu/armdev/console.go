// Devices of the QEMU arm64 boards of the SMP kernel, aarch64
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64 && !linkprintk

// Package armdev holds the devices and early hooks the QEMU arm64 boards
// share: the PL011 console (_board_putc and goos.Printk), the semihosting
// exit (_board_exit and goos.Exit), the generic-timer clock
// (goos.Nanotime), goos.Hwinit0 and the runtime's random source. A board that imports it names its
// PL011's base in _board_uart0, an 8-byte variable (a Go variable with that
// link name), or the kernel does not link.
package armdev

import (
	_ "unsafe"

	"github.com/tamago-smp/kernel/arch/arm64"
)

// printk writes to UART0, the PL011 QEMU connects to -serial: it needs no
// programming to transmit. Applications can override it with the
// `linkprintk` build tag.
//
//go:linkname printk runtime/goos.Printk
func printk(c byte) {
	arm64.Putc(c) // _board_putc, pl011.s
}
