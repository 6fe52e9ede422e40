// Minimal SMP kernel built from the template
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

package main

import (
	"fmt"

	"github.com/tamago-smp/kernel/arch/arm64"
	_ "github.com/tamago-smp/kernel/arch/arm64/virt"
)

// regSuffix is what follows the register value on a "cpu N online" line:
// the exception level, which chose the register (TPIDR_EL2 or TPIDR_EL1).
func regSuffix() string {
	return fmt.Sprintf(" el=%d", arm64.EL())
}
