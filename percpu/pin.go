// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu

import (
	_ "unsafe" // go:linkname
)

// Pin disables preemption of the calling goroutine and returns the id of its
// P (0..GOMAXPROCS-1); [Unpin] enables it again. Between the two the
// goroutine stays on the CPU it runs on (on TamaGo each M runs on one CPU for
// life), so [CPU], [Var.RawPtr] and the other raw accessors name that CPU.
//
// Pin is runtime.procPin, the pin of sync.Pool (m.locks++), and Unpin
// runtime.procUnpin: the one link to them for the whole module (both carry a
// //go:linkname push marker in runtime/proc.go, go.dev/issue/67401, so they
// link with stock Go and tamago-go 1.26).
//
// Preconditions, while pinned: no blocking (channel operations, sleeping
// locks, time.Sleep, runtime.Gosched), no panic, no allocation that could
// need the garbage collector to stop the world for long; every Pin is paired
// with one Unpin on the same goroutine. A block or a panic while pinned is
// fatal to the runtime ("schedule: holding locks", "panic holding locks").
func Pin() int {
	return procPin()
}

// Unpin ends the pin of the matching [Pin].
func Unpin() {
	procUnpin()
}

//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()
