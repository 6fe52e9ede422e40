// QEMU virt board for the SMP kernel, RISC-V 64-bit
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64 && !linkprintk

package riscv64virt

import (
	_ "unsafe"

	"github.com/tamago-smp/kernel/arch/riscv64"
)

// printk writes to UART0, which QEMU sets up at reset: the NS16550A needs
// no programming to transmit. Applications can override it with the
// `linkprintk` build tag.
//
//go:linkname printk runtime/goos.Printk
func printk(c byte) {
	riscv64.Putc(c) // _board_putc, ns16550.s
}
