// Per-CPU access benchmark kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

package main

import (
	"github.com/tamago-smp/kernel/percpu"
)

// floorAdd adds delta to the 8-byte slot at offset off of the current CPU's
// area, with no check (floor_riscv64.s).
func floorAdd(off uintptr, delta uint64)

// floorLoop does iters floor adds to v's slot, reading the offset from v on
// every iteration as percpu.Add does (not inlined, so that the harness finds
// it in the ELF).
//
//go:noinline
func floorLoop(v *percpu.Var[uint64], iters int) {
	for i := 0; i < iters; i++ {
		floorAdd(v.Offset(), 1)
	}
}
