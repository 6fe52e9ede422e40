// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !percpu_naive && !((amd64 && (tamago || linux)) || (tamago && (arm64 || riscv64)))

package percpu

import (
	"unsafe"
)

// naive is true in percpu_naive builds (one area, no register).
const naive = false

// writeReg sets the software register shared by every goroutine: on these
// hosts the process is one CPU, whichever area it points at.
func writeReg(base uintptr) {
	softReg.Store((*header)(addrPointer(base)))
}

func regName() string {
	return "soft"
}

func onInit(base unsafe.Pointer) {}
