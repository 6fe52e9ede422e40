// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

package riscv64

import (
	"encoding/binary"
	"unsafe"
)

// bootFDT is a1 as hart 0 entered cpuinit: the address of the flattened
// device tree, by the RISC-V boot convention that QEMU's reset vector follows
// (hw/riscv/boot.c: a0 = mhartid, a1 = FDT). Written by entry.s before
// the runtime starts; it points outside the Go heap.
var bootFDT unsafe.Pointer

// BootFDT returns the address of the flattened device tree hart 0 was handed
// at reset, or 0 if there was none.
func BootFDT() uintptr {
	return uintptr(bootFDT)
}

// Devicetree Specification v0.4, 5.2 Header and 5.4 Structure Block.
const (
	fdtMagic     = 0xd00dfeed
	fdtBeginNode = 1
	fdtEndNode   = 2
	fdtProp      = 3
	fdtNop       = 4
	fdtEnd       = 9

	fdtMaxSize = 1 << 20 // sanity bound, QEMU's FDT is a few KiB
)

// fdtHarts returns the number of /cpus/cpu@<n> nodes of the flattened device
// tree at fdt, or 0 if there is no valid device tree there.
func fdtHarts(fdt unsafe.Pointer) (n int) {
	if fdt == nil || uintptr(fdt)%8 != 0 {
		return 0
	}

	hdr := unsafe.Slice((*byte)(fdt), 40)
	be := binary.BigEndian

	if be.Uint32(hdr[0:]) != fdtMagic {
		return 0
	}

	size := be.Uint32(hdr[4:])
	off := be.Uint32(hdr[8:]) // off_dt_struct

	if size > fdtMaxSize || off >= size {
		return 0
	}

	b := unsafe.Slice((*byte)(fdt), size)
	depth, inCPUs := 0, false

	for p := int(off); p+4 <= len(b); {
		token := be.Uint32(b[p:])
		p += 4

		switch token {
		case fdtBeginNode:
			name := b[p:]
			end := 0
			for end < len(name) && name[end] != 0 {
				end++
			}
			p += (end + 1 + 3) &^ 3
			depth++

			switch {
			case depth == 2 && string(name[:end]) == "cpus":
				inCPUs = true
			case depth == 3 && inCPUs && end > 4 && string(name[:4]) == "cpu@":
				n++
			}
		case fdtEndNode:
			if depth == 2 {
				inCPUs = false
			}
			depth--
		case fdtProp:
			if p+8 > len(b) {
				return n
			}
			p += 8 + (int(be.Uint32(b[p:]))+3)&^3
		case fdtNop:
		default: // fdtEnd or garbage
			return n
		}
	}

	return n
}
