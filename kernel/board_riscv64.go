// SMP per-CPU demo kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

package main

// the board of this GOARCH: its init registers the ISA port with package boot
import _ "github.com/tamago-smp/kernel/arch/riscv64/virt"
