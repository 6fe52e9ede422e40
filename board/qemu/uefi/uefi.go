// QEMU q35 PC under UEFI firmware (OVMF) for the SMP kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

package uefi

// The kernel on this board is the microvm board's: the PC's COM1, PIT and
// isa-debug-exit are the same devices; only the entry point differs (see
// package amd64's efi.s).
import _ "github.com/tamago-smp/kernel/board/qemu/microvm"
