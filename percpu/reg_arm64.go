// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && !percpu_naive

package percpu

import (
	"unsafe"
)

// useEL2 selects TPIDR_EL2 (the kernel runs at EL2) over TPIDR_EL1. It is
// set once, when the package is initialized, from CurrentEL bits [3:2] (Arm
// ARM C5.2.1 CurrentEL); the fast paths in this_cpu_arm64.s branch on it.
var useEL2 = read_currentel()>>2&3 == 2

// preCheck is true where a register check can fault (see pin).
const preCheck = false

// defined in this_cpu_arm64.s
func read_currentel() uint64
func read_tpidr_el1() uintptr
func write_tpidr_el1(base uintptr)
func read_tpidr_el2() uintptr
func write_tpidr_el2(base uintptr)

func readReg() uintptr {
	if useEL2 {
		return read_tpidr_el2()
	}

	return read_tpidr_el1()
}

func writeReg(base uintptr) {
	if useEL2 {
		write_tpidr_el2(base)
		return
	}

	write_tpidr_el1(base)
}

func regName() string {
	if useEL2 {
		return "tpidr_el2"
	}

	return "tpidr_el1"
}

func onInit(base unsafe.Pointer) {}
