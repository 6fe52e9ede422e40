// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

package arm64

// Idle is a goos.Idle governor that is safe with several CPUs: TamaGo
// v1.26.0 has no wake-up IPI, so a CPU that waited for an interrupt could
// sleep with runnable goroutines. With a GICv3 (gic.go) Idle waits with WFI
// for its own timer, until pollUntil and at most [arch.IdleMax] (1 ms), so
// that the CPU truly rests (under QEMU the host gets the time back);
// otherwise it waits for one event with WFE, which the generic timer event
// stream (enabled on every CPU by cpuinit and the AP entry) bounds to one
// period, and which QEMU only takes as a yield.
//
//go:nosplit
func Idle(pollUntil int64) {
	if !rest(pollUntil) {
		wfe()
	}
}
