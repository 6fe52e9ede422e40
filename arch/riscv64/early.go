// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

package riscv64

import "github.com/tamago-smp/kernel/arch"

// EarlyStatus is the exit status of the checks cpuinit makes before the Go
// runtime runs (early.s): a hart lacks an extension the kernel needs
// (misa), the RAM the device tree describes does not hold the Go runtime's
// RAM, or the device tree lies inside it. See [arch.EarlyStatus].
const EarlyStatus = arch.EarlyStatus
