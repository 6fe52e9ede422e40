// QEMU virt board for the SMP kernel, RISC-V 64-bit
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

package riscv64virt

import (
	_ "unsafe"

	"github.com/tamago-smp/kernel/arch/riscv64"
	"github.com/tamago-smp/kernel/internal/splitmix"
)

// rng is the runtime's random source, not for cryptography.
var rng splitmix.Source

// initRNG seeds the generator from mtime. The virt machine has no entropy source the kernel drives.
//
//go:linkname initRNG runtime/goos.InitRNG
func initRNG() {
	rng.Seed(riscv64.Mtime())
}

//go:linkname getRandomData runtime/goos.GetRandomData
func getRandomData(b []byte) {
	rng.Read(b)
}
