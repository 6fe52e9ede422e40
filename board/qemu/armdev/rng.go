// Devices of the QEMU arm64 boards of the SMP kernel, aarch64
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

package armdev

import (
	_ "unsafe"

	"github.com/tamago-smp/kernel/arch/arm64"
	"github.com/tamago-smp/kernel/internal/splitmix"
)

// rng is the runtime's random source, not for cryptography.
var rng splitmix.Source

// initRNG seeds the generator from the generic timer: neither the
// Cortex-A72 of QEMU virt nor the Cortex-A53 of the Pi 3 has RNDR, and the
// kernel drives no entropy device.
//
//go:linkname initRNG runtime/goos.InitRNG
func initRNG() {
	rng.Seed(arm64.Counter())
}

//go:linkname getRandomData runtime/goos.GetRandomData
func getRandomData(b []byte) {
	rng.Read(b)
}
