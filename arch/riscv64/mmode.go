// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64 && !sbi

package riscv64

// sMode is whether the kernel runs in S-mode.
const sMode = false

// wakeMethod names the wake-up of a hart in messages.
const wakeMethod = "MSIP"

// start releases hart, its mailbox mb published in its slot, from its reset
// park: it raises the hart's MSIP in its socket's CLINT (ACLINT v1.0, 2.1).
func start(hart uint64, mb *mailbox) error {
	raise_msip(hartSlots[hart].msip)
	return nil
}

// kick wakes the hart of mb from its park loop (its MSIP). It runs inside
// goos.Task: no allocation, no lock.
func kick(mb *mailbox) {
	raise_msip(mb.msip)
}
