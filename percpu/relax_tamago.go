// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago

package percpu

import (
	"runtime/goos"
	_ "unsafe"
)

//go:linkname nanotime runtime.nanotime
func nanotime() int64

// relax lets the CPU of a goroutine that waits for the allocator's lock
// rest for up to 50 us through the board's idle hook (HLT, WFI: until a
// timer), without giving up its P, which a pinned goroutine may not do.
// Under emulation a spinning CPU takes the host's time from the CPU that
// holds the lock, and with many CPUs the lock's holder then barely runs.
func relax() {
	if goos.Idle != nil {
		goos.Idle(nanotime() + 50_000)
	}
}
