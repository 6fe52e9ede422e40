// QEMU microvm board for the SMP kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package microvm

import (
	"fmt"

	"github.com/tamago-smp/kernel/board/spec"
)

// Targets are the ways the qemu/ harness builds and boots this board.
var Targets = []spec.Target{{
	Name:   "x86_64",
	GOARCH: "amd64",
	// TamaGo amd64 ramStart 0x10000000 + 0x10000; the ELF entry (and PVH
	// note) is ours, to set GS_BASE before TamaGo's cpuinit
	LDFlags: "-T 0x10010000 -R 0x1000 -E _rt0_percpu_amd64",
	QEMU:    "qemu-system-x86_64",
	Debian:  "qemu-system-x86",
	// -m must cover TamaGo's amd64 RAM, 0x10000000 + 1 GiB (1.25 GiB).
	// The PIT (on by default) calibrates the TSC; without the legacy PIC
	// its interrupts go nowhere.
	Args: []string{
		"-machine", "microvm,pic=off", "-cpu", "max", "-m", "2G", "-smp", "{smp}",
		"-nographic", "-monitor", "none", "-serial", "stdio", "-no-reboot",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
		"-kernel", "{elf}",
	},
	ExitDevice: "isa-debug-exit at I/O port 0xf4",
	Exit:       debugExitStatus,
}}

// debugExitStatus decodes the status of a QEMU with
// `-device isa-debug-exit,iobase=0xf4,iosize=0x04`: a write of code to port
// 0xf4 makes QEMU exit with (code << 1) | 1 (hw/misc/debugexit.c), so an odd
// status carries a kernel code. An even status is not from the device: with
// -no-reboot, a triple fault or a reset ends QEMU with status 0.
func debugExitStatus(status int) (int, error) {
	switch {
	case status < 0:
		return 0, spec.ErrSignal
	case status%2 == 0:
		return 0, fmt.Errorf("no exit code: the guest reset or triple-faulted (QEMU status %d, isa-debug-exit gives odd statuses)", status)
	}
	return (status - 1) / 2, nil
}
