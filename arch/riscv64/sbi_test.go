// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && sbi

package riscv64_test

import (
	"strings"
	"testing"

	"github.com/tamago-smp/kernel/arch/riscv64"

	// on the kernel: the board
	_ "github.com/tamago-smp/kernel/internal/kerneltest"
)

// TestProbe checks that the firmware has the SBI extensions the kernel
// uses (OpenSBI has had them since v0.7).
func TestProbe(t *testing.T) {
	if hsm, time, ipi := riscv64.Probed(); !hsm || !time || !ipi {
		t.Errorf("probe_extension: HSM %v, TIME %v, IPI %v; want all", hsm, time, ipi)
	}
}

// TestHartStartError asks the firmware to start the boot hart, which runs:
// SBI HSM refuses, and the error names the SBI error and its code.
func TestHartStartError(t *testing.T) {
	hart := riscv64.BootHart()
	err := riscv64.StartHart(hart)
	if want := "SBI HSM hart_start: SBI_ERR_ALREADY_AVAILABLE (-6)"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("hart_start of the boot hart %d: %v, want %q", hart, err, want)
	}
}

// TestNoHSM checks the reason every secondary fails with on a firmware
// without HSM.
func TestNoHSM(t *testing.T) {
	riscv64.WithoutHSM(func() {
		err := riscv64.StartHart(1)
		if want := "riscv64: hart 1: the SBI firmware has no HSM extension (probe_extension 0x48534d = 0)"; err == nil || err.Error() != want {
			t.Errorf("StartHart(1) without HSM: %v, want %q", err, want)
		}
	})
}
