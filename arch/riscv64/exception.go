// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

package riscv64

import (
	"github.com/tamago-smp/kernel/arch"
)

// ExceptionStatus is the exit status of the exception report
// (exception.s): see [arch.ExceptionStatus].
const ExceptionStatus = arch.ExceptionStatus

// exception is the machine trap vector of every hart (mtvec), installed by
// cpuinit. Never called from Go.
//
// defined in exception.s
func exception()
