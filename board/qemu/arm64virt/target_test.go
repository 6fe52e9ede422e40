// QEMU virt board for the SMP kernel, aarch64
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package arm64virt

import (
	"strings"
	"testing"
)

// TestTargets checks what the board needs from QEMU: semihosting for
// SYS_EXIT, GICv3 (GICv2 takes at most 8 CPUs), and EL2 on the -el2 row
// only.
func TestTargets(t *testing.T) {
	for _, tg := range Targets {
		args := strings.Join(tg.Args, " ")
		if !strings.Contains(args, "-semihosting") || !strings.Contains(args, "gic-version=3") {
			t.Errorf("%s: Args %q lack -semihosting or gic-version=3", tg.Name, args)
		}
		if el2 := strings.Contains(args, "virtualization=on"); el2 != strings.HasSuffix(tg.Name, "-el2") {
			t.Errorf("%s: Args %q: virtualization=on is the -el2 row's", tg.Name, args)
		}
	}
}
