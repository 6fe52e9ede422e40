// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !percpu_naive && ((amd64 && (tamago || linux)) || (tamago && (arm64 || riscv64)))

package percpu

import (
	"unsafe"
)

// naive is true in percpu_naive builds (one area, no register).
const naive = false

// The fast paths, one assembly leaf each, defined in this_cpu_<arch>.s. Each
// checks the per-CPU register first (see the package documentation) and on
// failure jumps to regFault, except this_cpu_ptr, which returns nil so that a
// pinned caller can unpin before it panics. size is a constant at every call
// site (unsafe.Sizeof of the variable's type): the 8-byte case is tested
// first.

// this_cpu_load copies the size-byte value at offset off of the current CPU's
// area to dst. Sizes 1, 2, 4 and 8 are one load (dst is aligned to 8); other
// sizes jump to loadPinned.
//
//go:noescape
func this_cpu_load(off, size uintptr, dst unsafe.Pointer)

// this_cpu_store copies the size-byte value at src to offset off of the
// current CPU's area. Sizes 1, 2, 4 and 8 are one store (src is aligned to
// 8); other sizes jump to storePinned.
//
//go:noescape
func this_cpu_store(off, size uintptr, src unsafe.Pointer)

// this_cpu_add adds the low size bytes of delta to the size-byte integer at
// offset off of the current CPU's area (size 1, 2, 4 or 8).
func this_cpu_add(off uintptr, delta uint64, size uintptr)

// this_cpu_ptr returns the address of offset off in the current CPU's area,
// or nil if the register check fails.
func this_cpu_ptr(off uintptr) unsafe.Pointer

// this_cpu_id returns the CPU id in the header of the current CPU's area.
func this_cpu_id() uint64
