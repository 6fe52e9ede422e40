// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && sbi

package riscv64

// StartHart asks the SBI firmware to start hart as SMP.Wake does.
func StartHart(hart uint64) error {
	return start(hart, &mailboxes[0])
}

// Probed reports what probe_extension found at init.
func Probed() (hsm, time, ipi bool) {
	return hasHSM, hasTime, hasIPI
}

// WithoutHSM runs f as if the firmware had no HSM extension.
func WithoutHSM(f func()) {
	defer func(had bool) { hasHSM = had }(hasHSM)
	hasHSM = false
	f()
}
