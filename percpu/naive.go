// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build percpu_naive

package percpu

import (
	"unsafe"
)

// naive is true in percpu_naive builds: one area, no register. The per-CPU
// variables of a single-core kernel are plain globals in that area.
const naive = true

// writeReg does nothing: there is no per-CPU register.
func writeReg(base uintptr) {}

func regName() string {
	return "none"
}

// onInit makes the single area the current one.
func onInit(base unsafe.Pointer) {
	softReg.Store((*header)(base))
}
