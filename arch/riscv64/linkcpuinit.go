// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64 && !linkcpuinit

package riscv64

// This package provides the cpuinit of every hart (entry.s), which
// replaces the one of github.com/usbarmory/tamago/riscv64: build with
// `-tags linkcpuinit`.
var _ = riscv64_requires_the_linkcpuinit_build_tag
