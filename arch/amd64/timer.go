// x86_64 SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

package amd64

import (
	"math/bits"
)

// Intel 8254 Programmable Interval Timer, channel 0 (Intel 8254 datasheet,
// "Control Word Format" and "Counter Latch Command").
const (
	PIT_CH0  = 0x40
	PIT_CMD  = 0x43
	PIT_FREQ = 1193182 // Hz

	pitMode2  = 0x34 // channel 0, lobyte/hibyte, mode 2 (rate generator), binary
	pitLatch0 = 0x00 // counter latch command, channel 0
)

// calibrationTicks is how long the TSC is measured against the PIT: 50 ms.
const calibrationTicks = PIT_FREQ / 20

// clock converts TSC ticks to nanoseconds: ns = base + (tsc - tsc0) * mult / 2^32.
var clock = struct {
	base int64
	tsc0 uint64
	mult uint64
}{
	// until calibrated, assume 1 GHz: monotonic, roughly right
	mult: 1 << 32,
}

// Nanotime returns the time since boot in nanoseconds, from the TSC, on any
// CPU (QEMU keeps the TSCs of all vCPUs in step).
//
//go:nosplit
func Nanotime() int64 {
	hi, lo := bits.Mul64(rdtsc()-clock.tsc0, clock.mult)
	return clock.base + int64(hi<<32|lo>>32)
}

// readPIT latches and reads the current count of PIT channel 0.
func readPIT() uint16 {
	outb(PIT_CMD, pitLatch0)
	lo := inb(PIT_CH0)
	hi := inb(PIT_CH0)
	return uint16(hi)<<8 | uint16(lo)
}

// CalibrateTSC measures the TSC frequency against the 8254 PIT, which QEMU
// derives from its virtual clock, and switches [Nanotime] to it. It must run
// on the boot CPU before any AP starts.
//
// Under TCG the TSC runs at the host's rate and CPUID leaves 15H/16H do not
// describe it, which is why TamaGo's own detection (CPUID, then KVM clock)
// finds no frequency there.
func CalibrateTSC() {
	irq := irqDisable()
	defer irqRestore(irq)

	// channel 0, mode 2, reload value 0 (= 65536)
	outb(PIT_CMD, pitMode2)
	outb(PIT_CH0, 0)
	outb(PIT_CH0, 0)

	prev := readPIT()
	start := rdtsc()
	end := start

	// The counter wraps every 55 ms; polling far more often than that
	// keeps the 16-bit difference exact.
	for elapsed := uint64(0); elapsed < calibrationTicks; {
		cur := readPIT()
		end = rdtsc()
		elapsed += uint64(prev - cur)
		prev = cur

		if elapsed >= calibrationTicks {
			freq := (end - start) * PIT_FREQ / elapsed

			if freq == 0 {
				return
			}

			now := Nanotime()
			clock.tsc0 = end
			clock.base = now
			clock.mult = (uint64(1e9) << 32) / freq
		}
	}
}
