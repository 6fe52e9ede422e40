// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago

package console

import "github.com/tamago-smp/kernel/arch/arm64"

// exceptionLevel returns the exception level the calling CPU runs at, which
// the online line shows (el=): it chose the per-CPU register, TPIDR_EL2 or
// TPIDR_EL1.
func exceptionLevel() int {
	return arm64.EL()
}
