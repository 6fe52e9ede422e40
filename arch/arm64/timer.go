// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.
//
// Adapted from github.com/usbarmory/tamago arm64/timer.go (BSD-3-Clause, Copyright (c) The TamaGo Authors).

//go:build tamago && arm64

package arm64

import (
	"math/bits"
)

// nsPerTick is the counter period in nanoseconds, 32.32 fixed point, set by
// initTimer from CNTFRQ_EL0 (16 << 32 at QEMU's 62.5 MHz).
var nsPerTick uint64

// defined in timer.s
func read_cntfrq() uint32
func read_cntpct() uint64

// initTimer reads the generic timer frequency that firmware (or QEMU) set in
// CNTFRQ_EL0; only the highest implemented level could change it (Arm ARM,
// D11 The Generic Timer in AArch64 state).
//
//go:nosplit
func initTimer() {
	nsPerTick = (1e9 << 32) / uint64(read_cntfrq())
}

// Counter returns the physical count of the generic timer, CNTPCT_EL0, which
// runs at the same rate on every CPU and is readable at EL2 and at EL1.
//
//go:nosplit
func Counter() uint64 {
	return read_cntpct()
}

// Nanotime returns the time since the counter started, in nanoseconds, for
// runtime/goos.Nanotime. It allocates nothing and is valid from Init
// (runtime/goos.Hwinit0) on.
//
//go:nosplit
func Nanotime() int64 {
	hi, lo := bits.Mul64(read_cntpct(), nsPerTick)
	return int64(hi<<32 | lo>>32)
}
