// Raspberry Pi 3 board (QEMU raspi3b) for the SMP kernel, aarch64
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64 && !linkramsize

package raspi3b

import (
	_ "unsafe"
)

// ramSize is the memory given to the Go runtime from DRAM_BASE: 128 MiB,
// up to where QEMU puts the device tree. The boot CPU's stack sits at its
// top. Applications can override it with the `linkramsize` build tag.
//
//go:linkname ramSize runtime/goos.RamSize
var ramSize uint64 = 0x08000000 // 128 MiB
