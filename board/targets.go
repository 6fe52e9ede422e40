// Board selection
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package board

import (
	"slices"

	"github.com/tamago-smp/kernel/board/qemu/arm64virt"
	"github.com/tamago-smp/kernel/board/qemu/microvm"
	"github.com/tamago-smp/kernel/board/qemu/raspi3b"
	"github.com/tamago-smp/kernel/board/qemu/riscv64virt"
	"github.com/tamago-smp/kernel/board/qemu/uefi"
)

// Targets are the targets of every board, in the order of
// `go tool qemu targets`.
var Targets = slices.Concat(microvm.Targets, arm64virt.Targets, raspi3b.Targets, riscv64virt.Targets, uefi.Targets)
