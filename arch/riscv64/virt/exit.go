// QEMU virt board for the SMP kernel, RISC-V 64-bit
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

package virt

import (
	"time"

	"github.com/tamago-smp/kernel/arch/riscv64"
)

// maxIdle bounds one sleep of the idle governor.
//
// TamaGo v1.26.0 has no hook to wake a sleeping CPU when another one makes
// a goroutine runnable, and the runtime keeps calling goos.Idle with its P
// held: a hart that slept until its next timer could leave work (or a
// stop-the-world request) waiting for as long. Sleeping at most 1 ms bounds
// that latency while still letting QEMU stop idle harts.
const maxIdle = time.Millisecond

// exit is goos.Exit: QEMU exits with status code & 0xff (sifive_test passes
// bits 15:0 of the code to exit(3)). A non-zero code whose low byte is zero
// becomes 255, so that a failure never reads as success.
func exit(code int32) {
	if code != 0 && code&0xff == 0 {
		code = 0xff
	}

	riscv64.SiFiveTestExit(TEST_BASE, code)
}

// idle is goos.Idle, called by the scheduler on any hart that found nothing
// to run (runtime.beforeIdle), concurrently on every hart. pollUntil is the
// time of the next timer in nanotime, or 0 for none.
//
// It sleeps in WFI until pollUntil or for maxIdle, whichever is sooner,
// with the hart's own CLINT timer as the wake-up source (see
// riscv64.WaitTimer). Unlike TamaGo's riscv64 DefaultIdleGovernor, which
// halts the calling hart for good when no timer is pending, it always
// returns.
func idle(pollUntil int64) {
	now := nanotime()
	wake := now + int64(maxIdle)

	if pollUntil != 0 && pollUntil < wake {
		wake = pollUntil
	}

	if wake <= now {
		return
	}

	riscv64.WaitTimer(uint64(wake+nsPerTick-1) / nsPerTick)
}
