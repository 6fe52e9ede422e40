// Go tests inside the kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

package kerneltest

import (
	_ "github.com/tamago-smp/kernel/arch/arm64/virt"
)

// virtDTB is where QEMU virt puts the device tree for a kernel that is not
// a Linux image: the start of RAM (hw/arm/boot.c, arm_load_dtb at
// loader_start).
const virtDTB = 0x40000000

// cmdline returns /chosen/bootargs of the device tree (QEMU -append).
func cmdline() string {
	return bootargs(virtDTB)
}
