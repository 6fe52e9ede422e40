// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64 && sbi

package riscv64

import (
	"fmt"
	"unsafe"
)

// supervisor marks the build for the sbi tag in go_asm.h: the kernel runs
// in S-mode under an SBI firmware (riscv64.h names the CSRs).
const supervisor = 1

// sMode is whether the kernel runs in S-mode.
const sMode = true

// wakeMethod names the wake-up of a hart in messages.
const wakeMethod = "SBI HSM hart_start"

// SBI extension and function ids (RISC-V Supervisor Binary Interface
// Specification v1.0: 4 Base, 6 Timer, 7 IPI, 9 HSM).
const (
	sbiBase      = 0x10
	sbiProbe     = 3 // probe_extension(eid): 0 if absent
	sbiTime      = 0x54494D45
	sbiSetTimer  = 0 // set_timer(stime_value)
	sbiIPI       = 0x735049
	sbiSendIPI   = 0 // send_ipi(hart_mask, hart_mask_base)
	sbiHSM       = 0x48534D
	sbiHartStart = 0 // hart_start(hartid, start_addr, opaque)
)

// CSR bits (Privileged Architecture, 4.1.1 sstatus, 4.1.3 sip/sie).
const (
	SSTATUS_SIE = 1 << 1 // supervisor interrupt enable
	SIE_SSIE    = 1 << 1 // supervisor software interrupt enable
	SIE_STIE    = 1 << 5 // supervisor timer interrupt enable
	SIP_SSIP    = 1 << 1 // supervisor software interrupt pending
)

// defined in sbi.s
func sbi_call(ext, fid, a0, a1, a2 uint64) (err int64, val uint64)
func sbientry_pc() uint64

// sbientry is where SBI HSM hart_start starts a hart (sbi.s). Never called
// from Go.
func sbientry()

// The SBI extensions the firmware has, probed once by init; wait_timer
// does not sleep without TIME.
var hasTime, hasHSM, hasIPI bool

func init() {
	hasTime, hasHSM, hasIPI = probe(sbiTime), probe(sbiHSM), probe(sbiIPI)
}

// probe reports whether the SBI firmware implements extension ext.
func probe(ext uint64) bool {
	err, val := sbi_call(sbiBase, sbiProbe, ext, 0, 0)
	return err == 0 && val != 0
}

// start starts hart, stopped in the firmware, with SBI HSM hart_start at
// sbientry, with a1 = mb (opaque).
func start(hart uint64, mb *mailbox) error {
	switch {
	case !hasHSM:
		return fmt.Errorf("riscv64: hart %d: the SBI firmware has no HSM extension (probe_extension %#x = 0)", hart, sbiHSM)
	case !hasIPI:
		return fmt.Errorf("riscv64: hart %d: the SBI firmware has no IPI extension (probe_extension %#x = 0)", hart, sbiIPI)
	}

	if err, _ := sbi_call(sbiHSM, sbiHartStart, hart, sbientry_pc(), uint64(uintptr(unsafe.Pointer(mb)))); err != 0 {
		return fmt.Errorf("riscv64: hart %d: SBI HSM hart_start: %s", hart, sbiError(err))
	}

	return nil
}

// kick wakes the hart of mb from its park loop with an SBI IPI (its
// sip.SSIP). It runs inside goos.Task: no allocation, no lock.
func kick(mb *mailbox) {
	sbi_call(sbiIPI, sbiSendIPI, 1, mb.hart, 0)
}
