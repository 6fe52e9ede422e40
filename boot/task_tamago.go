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
	"unsafe"

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

// getG is runtime.GetG of TamaGo (runtime/os_tamago.go): the calling
// goroutine's g and P.
//
//go:linkname getG runtime.GetG
func getG() (gp, pp unsafe.Pointer)

// gHead mirrors the first fields of runtime.g: the goroutine stack and
// stackguard0, both at offsets known to the toolchain (runtime/runtime2.go).
type gHead struct {
	stack       gStack
	stackguard0 uintptr
}

// stopAsked reports whether the runtime asked the calling goroutine to
// stop, for a stop-the-world or a scan of its stack: its stackguard0 is
// then stackPreempt (runtime/stack.go), far above its stack, and the next
// stack check of a goroutine that is not pinned yields. A pinned goroutine's
// stack check clears the request, and the runtime repeats it (every 100 µs
// in stopTheWorldWithSema, at once in suspendG).
//
//go:nosplit
func stopAsked() bool {
	gp, _ := getG()
	g := (*gHead)(gp)
	return g.stackguard0 > g.stack.hi
}
