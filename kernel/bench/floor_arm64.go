// Per-CPU access benchmark kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

package main

import (
	"github.com/tamago-smp/kernel/percpu"
)

// floorAddEL1 and floorAddEL2 add delta to the 8-byte slot at offset off of
// the current CPU's area through TPIDR_EL1 or TPIDR_EL2, with no check
// (floor_arm64.s).
func floorAddEL1(off uintptr, delta uint64)
func floorAddEL2(off uintptr, delta uint64)

// floorLoop does iters floor adds to v's slot, reading the offset from v on
// every iteration as percpu.Add does, through the register percpu uses at
// this exception level, chosen outside the loop (not inlined, so that the
// harness finds it in the ELF).
//
//go:noinline
func floorLoop(v *percpu.Var[uint64], iters int) {
	if percpu.RegName() == "tpidr_el2" {
		for i := 0; i < iters; i++ {
			floorAddEL2(v.Offset(), 1)
		}
		return
	}

	for i := 0; i < iters; i++ {
		floorAddEL1(v.Offset(), 1)
	}
}
