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
// pinned caller can unpin before it panics.
//
// key is the slot key of the variable (see keyShift in var.go): its offset
// ORed with a constant at every call site, ((size+1)^keyXor)<<keyShift, which
// is 0 for 8 bytes (code8), so that the key of an 8-byte slot is its offset.
// The 8-byte case costs one compare and a branch, the others a few more.

// this_cpu_load copies the value of the slot key of the current CPU's area to
// dst. Sizes 1, 2, 4 and 8 are one load (dst is aligned to 8); other sizes
// jump to loadPinned.
//
//go:noescape
func this_cpu_load(key uint64, dst unsafe.Pointer)

// this_cpu_store copies the value at src to the slot key of the current CPU's
// area. Sizes 1, 2, 4 and 8 are one store (src is aligned to 8); other sizes
// jump to storePinned.
//
//go:noescape
func this_cpu_store(key uint64, src unsafe.Pointer)

// this_cpu_add adds the low bytes of delta to the integer slot key of the
// current CPU's area (size 1, 2, 4 or 8).
func this_cpu_add(key uint64, delta uint64)

// this_cpu_addr returns the address of offset off in the current CPU's area
// (RawPtr).
func this_cpu_addr(off uintptr) unsafe.Pointer

// this_cpu_ptr returns the address of offset off in the current CPU's area,
// or nil if the register check fails (pin).
func this_cpu_ptr(off uintptr) unsafe.Pointer

// this_cpu_id returns the CPU id in the header of the current CPU's area.
func this_cpu_id() uint64
