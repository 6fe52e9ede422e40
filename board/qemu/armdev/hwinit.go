// Devices of the QEMU arm64 boards of the SMP kernel, aarch64
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

package armdev

import (
	"runtime/goos"
	_ "unsafe"

	"github.com/tamago-smp/kernel/arch/arm64"
)

//go:linkname nanotime runtime/goos.Nanotime
//go:nosplit
func nanotime() int64 {
	return arm64.Nanotime()
}

// hwinit0 runs on the boot CPU before the Go runtime is set up (no
// allocation), with the MMU and the exception vectors already on (cpuinit).
//
//go:linkname hwinit0 runtime/goos.Hwinit0
//go:nosplit
func hwinit0() {
	arm64.Init()
	goos.Exit = arm64.Exit
}
