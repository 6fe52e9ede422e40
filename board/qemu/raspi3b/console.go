// Raspberry Pi 3 board (QEMU raspi3b) for the SMP kernel, aarch64
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64 && !linkprintk

package raspi3b

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
