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

// preCheck is true where a register check can fault (see pin).
const preCheck = false

// defined in this_cpu_riscv64.s
func read_gp() uintptr
func write_gp(base uintptr)

func readReg() uintptr {
	return read_gp()
}

func writeReg(base uintptr) {
	write_gp(base)
}

func regName() string {
	return "gp"
}

func onInit(base unsafe.Pointer) {}
