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

// msrGSBase is IA32_GS_BASE (Intel SDM Vol. 4, Table 2-2; AMD64 APM Vol. 2,
// 4.5.3 "Segment Registers in 64-Bit Mode"): the base of the GS segment in
// 64-bit mode.
const msrGSBase = 0xc0000101

// preCheck is true where a register check can fault (see pin).
const preCheck = false

// defined in reg_amd64.s
func read_gs_base() uintptr
func write_gs_base(base uintptr)

func readReg() uintptr {
	return read_gs_base()
}

func writeReg(base uintptr) {
	write_gs_base(base)
}

func regName() string {
	return "gs_base"
}

func onInit(base unsafe.Pointer) {}
