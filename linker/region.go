// Per-CPU region reserved in the kernel image
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Package linker reserves the per-CPU region in the kernel image and names it
// with the linker symbols _percpu_start and _percpu_end, so that the areas of
// every CPU live inside the ELF and can be found with nm or debug/elf.
//
// The Go linker has no linker script: the region is a pair of byte arrays
// whose link names are _percpu_start and _percpu_end. cmd/link lays out the symbols of a data section sorted
// by size (cmd/link/internal/ld/data.go, dodataSect), so the region is
// followed immediately by the next larger symbol. _percpu_end is that symbol:
// it is a guard zone one area alignment larger than the region, which stays
// zero for the life of the kernel and catches writes that run past the last
// area. The layout is checked, not assumed: [Region] panics if the symbols are
// not adjacent, and the host tests read the built kernel ELF.
//
// cmd/link aligns data symbols to at most 32 bytes (maxAlign in
// cmd/link/internal/{amd64,arm64,riscv64}/l.go), so the region carries
// [AreaAlign] bytes of slack for the per-CPU library to round its first area
// up to a cache line.
//
// This package builds on every GOOS; the symbols exist in host test binaries
// too.
package linker

import (
	"fmt"
	"unsafe"
)

// AreaAlign is the alignment of every per-CPU area: one cache line, so that
// no two CPUs ever write to the same line.
const AreaAlign = 64

// MaxCPUs is the capacity of the kernel: the number of CPUs the region is
// sized for when every area is [AreaCapacity] bytes or less, and the one
// constant that the mailboxes of the ISA ports, boot's bookkeeping and the
// harness's largest -smp derive from. Raise it here (256 works the same
// way); nothing else holds the number.
const MaxCPUs = 64

// AreaCapacity is the per-CPU area size the region is sized for.
const AreaCapacity = 1024

// RegionSize is the size of the _percpu_start symbol: MaxCPUs areas of
// AreaCapacity bytes, plus AreaAlign bytes of slack to align the first area.
const RegionSize = MaxCPUs*AreaCapacity + AreaAlign

// GuardSize is the size of the _percpu_end symbol, the guard zone after the
// region. It must be larger than RegionSize for cmd/link to place it right
// after the region (see the package documentation).
const GuardSize = RegionSize + AreaAlign

// The region and its guard. The link names carry no package prefix, so the
// ELF symbol table shows them exactly as _percpu_start and _percpu_end, like
// the symbols of a linker script. Byte arrays hold no pointers: cmd/link puts
// them in .noptrbss, zero at boot and never scanned by the garbage collector.
var (
	//go:linkname region _percpu_start
	region [RegionSize]byte

	//go:linkname guard _percpu_end
	guard [GuardSize]byte
)

func percpuStart() uintptr { return uintptr(unsafe.Pointer(&region)) }
func percpuEnd() uintptr   { return uintptr(unsafe.Pointer(&guard)) }

// Region returns the bounds [start, end) of the linker-defined per-CPU region.
//
// It panics if the linker did not place _percpu_end right after
// _percpu_start, which would mean the layout rule in the package
// documentation no longer holds for this toolchain.
func Region() (start, end uintptr) {
	start, end = percpuStart(), percpuEnd()

	if end-start != RegionSize {
		panic(fmt.Sprintf("linker: _percpu_end=%#x does not follow the per-CPU region _percpu_start=%#x: gap %d bytes, want %d",
			end, start, end-start, RegionSize))
	}

	return
}

// FirstArea returns the base of area 0 in a region that starts at start:
// start rounded up to [AreaAlign]. The entry code of every ISA port computes
// the same in assembly, with const_areaAlign (= AreaAlign) from go_asm.h,
// to point the boot CPU's per-CPU register at area 0 before any Go code
// runs; a host test of package arch keeps the two in step.
func FirstArea(start uintptr) uintptr {
	return (start + AreaAlign - 1) &^ (AreaAlign - 1)
}

// Guard returns the bounds of the guard zone that follows the region, the
// bytes of the _percpu_end symbol. They are zero unless something wrote past
// the last area.
func Guard() (start, end uintptr) {
	start = percpuEnd()
	return start, start + GuardSize
}
