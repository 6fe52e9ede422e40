// QEMU virt board for the SMP kernel, aarch64
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

package virt

import (
	"github.com/tamago-smp/kernel/boot"
)

func init() {
	boot.Register(SMP)
}
