// QEMU microvm board for the SMP kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64 && !linkramsize

package microvm

import (
	_ "unsafe"
)

// ramSize is the memory given to the Go runtime from RamStart (0x10000000,
// TamaGo amd64/mem.go). Applications can override it with the `linkramsize`
// build tag.
//
//go:linkname ramSize runtime/goos.RamSize
var ramSize uint64 = 0x40000000 // 1 GiB
