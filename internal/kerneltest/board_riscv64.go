// Go tests inside the kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

package kerneltest

import (
	"github.com/tamago-smp/kernel/arch/riscv64"
	_ "github.com/tamago-smp/kernel/arch/riscv64/virt"
)

// cmdline returns /chosen/bootargs of the device tree QEMU passed to hart 0
// in a1 (QEMU -append).
func cmdline() string {
	return bootargs(riscv64.BootFDT())
}
