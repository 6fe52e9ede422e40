// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package riscv64

import "testing"

func TestSBIError(t *testing.T) {
	for code, want := range map[int64]string{
		-1:  "SBI_ERR_FAILED (-1)",
		-3:  "SBI_ERR_INVALID_PARAM (-3)",
		-6:  "SBI_ERR_ALREADY_AVAILABLE (-6)",
		-7:  "SBI_ERR_ALREADY_STARTED (-7)",
		-8:  "SBI_ERR_ALREADY_STOPPED (-8)",
		-9:  "SBI error -9",
		1:   "SBI error 1",
		-42: "SBI error -42",
	} {
		if got := sbiError(code); got != want {
			t.Errorf("sbiError(%d) = %q, want %q", code, got, want)
		}
	}
}
