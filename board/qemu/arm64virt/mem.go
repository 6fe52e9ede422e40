// QEMU virt board for the SMP kernel, aarch64
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64 && !linkramsize

package arm64virt

import (
	_ "unsafe"
)

// ramSize is the memory given to the Go runtime from DRAM_BASE: 1 GiB, QEMU
// -m 1G. The boot CPU's stack sits at its top. Applications can override it
// with the `linkramsize` build tag.
//
//go:linkname ramSize runtime/goos.RamSize
var ramSize uint64 = 0x40000000 // 1 GiB
