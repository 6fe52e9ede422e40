// Go tests inside the kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && (arm64 || riscv64)

package kerneltest

import "github.com/tamago-smp/kernel/internal/fdt"

// bootargs returns /chosen/bootargs of the device tree at addr (QEMU
// -append on the virt boards), "" if there is none.
func bootargs(addr uintptr) string {
	b, err := fdt.At(addr)
	if err != nil {
		return ""
	}

	t, err := fdt.Parse(b)
	if err != nil {
		return ""
	}

	return t.Bootargs()
}
