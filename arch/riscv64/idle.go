// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

package riscv64

import "github.com/tamago-smp/kernel/arch"

// Idle is a goos.Idle governor, called by the scheduler on any hart that found nothing
// to run (runtime.beforeIdle), concurrently on every hart. pollUntil is the
// time of the next timer in nanotime, or 0 for none.
//
// It sleeps in WFI until pollUntil or for [arch.IdleMax] (1 ms), whichever
// is sooner, with the hart's own CLINT timer as the wake-up source (see
// [WaitTimer]). Unlike TamaGo's riscv64 DefaultIdleGovernor, which
// halts the calling hart for good when no timer is pending, it always
// returns.
func Idle(pollUntil int64) {
	now := Nanotime()
	wake := now + arch.IdleMax

	if pollUntil != 0 && pollUntil < wake {
		wake = pollUntil
	}

	if wake <= now {
		return
	}

	WaitTimer(uint64((wake + nsPerTick - 1) / nsPerTick))
}
