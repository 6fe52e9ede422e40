// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago

package boot

import (
	"runtime"
	"runtime/goos"
	_ "unsafe"

	"github.com/tamago-smp/kernel/arch"
)

// handOut makes the runtime start new Ms through task and gives it n Ps,
// one per CPU that answered, boot CPU included. A variable so that host
// tests can stand in for the runtime.
var handOut = func(n int) error {
	goos.Task = task
	runtime.GOMAXPROCS(n)
	return nil
}

//go:linkname nanotime runtime.nanotime
func nanotime() int64

// rest lets the CPU of the calling goroutine idle for up to [arch.IdleMax]
// through the board's idle hook (goos.Idle: HLT, WFI or WFE until a timer),
// without giving up its P. Waiting goroutines call it so that, under emulation, the
// CPUs that only wait leave the host's time to the one creating the next M.
func rest() {
	if goos.Idle != nil {
		goos.Idle(nanotime() + arch.IdleMax)
	}
}
