// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// This file has no build constraint: it is tested on the host.

package riscv64

import "fmt"

// sbiErrors are the names of the SBI error codes -1 to -8 (RISC-V
// Supervisor Binary Interface Specification v1.0, 3.2 Table 1).
var sbiErrors = [...]string{
	"SBI_ERR_FAILED",
	"SBI_ERR_NOT_SUPPORTED",
	"SBI_ERR_INVALID_PARAM",
	"SBI_ERR_DENIED",
	"SBI_ERR_INVALID_ADDRESS",
	"SBI_ERR_ALREADY_AVAILABLE",
	"SBI_ERR_ALREADY_STARTED",
	"SBI_ERR_ALREADY_STOPPED",
}

// sbiError names the error code of an SBI call, with the code.
func sbiError(code int64) string {
	if code < 0 && -code <= int64(len(sbiErrors)) {
		return fmt.Sprintf("%s (%d)", sbiErrors[-code-1], code)
	}
	return fmt.Sprintf("SBI error %d", code)
}
