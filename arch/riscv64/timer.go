// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

package riscv64

// nsPerTick is the length of one mtime tick in nanoseconds: 1e9 divided by
// the board's timebase frequency (_board_timebase, see board.go), set by
// cpuinit before the runtime reads the clock.
var nsPerTick int64

// defined in timer.s
func read_mtime() uint64
func wait_timer(until uint64)

// Nanotime returns the machine timer in nanoseconds, for
// runtime/goos.Nanotime. It does not allocate: the runtime calls it before
// Hwinit1.
//
//go:nosplit
func Nanotime() int64 {
	return int64(read_mtime()) * nsPerTick
}

// Mtime returns the machine timer counter (CLINT mtime), which counts at the
// timebase frequency of the board.
//
// It reads the mtime register of the boot hart's CLINT: the ACLINT
// specification (v1.0, 3.1) has the MTIME registers of all sockets in sync.
func Mtime() uint64 {
	return read_mtime()
}

// WaitTimer puts the current hart to sleep (WFI) until mtime reaches until,
// or until the hart is woken for another reason, whichever comes first.
//
// It programs the hart's own MTIMECMP, in its socket's CLINT, and enables the machine timer
// interrupt in mie only for the duration of the WFI; mstatus.MIE stays 0,
// so no trap is taken: WFI returns as soon as mip & mie is non-zero
// (Privileged Architecture, 3.3.3 Wait for Interrupt). It is safe to call
// concurrently on every hart. It returns at once on a hart whose CLINT is
// not known yet (a hart is told its CLINT when it is woken, the boot hart
// when the device tree is first read).
func WaitTimer(until uint64) {
	wait_timer(until)
}
