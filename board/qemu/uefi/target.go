// QEMU q35 PC under UEFI firmware (OVMF) for the SMP kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

// Package uefi is the x86_64 kernel started by UEFI firmware, as on a PC:
// QEMU's q35 machine with OVMF (EDK II), the kernel a PE32+ EFI
// application on a FAT system partition. The kernel is the microvm board's
// (COM1 console, isa-debug-exit) entered through package amd64's UEFI
// entry point, which takes its RAM and the RSDP from the firmware, leaves
// the boot services and continues as the PVH entry does.
package uefi

import (
	"github.com/tamago-smp/kernel/board/qemu/microvm"
	"github.com/tamago-smp/kernel/board/spec"
)

// ImageBase is where the firmware loads the image: TamaGo's amd64
// RamStart, the PE headers in the 64 KiB below the text.
const ImageBase = 0x10000000

// OVMF is the firmware, EDK II for QEMU's x86_64 machines.
const OVMF = "/usr/share/OVMF/OVMF_CODE.fd"

// BootPath is the removable-media boot file of x86_64 UEFI (UEFI 2.10
// §3.5.1.1), which the firmware starts from a FAT drive without a boot
// entry, under the esp directory of {dir}.
const BootPath = "esp/EFI/BOOT/BOOTX64.EFI"

// CmdlineFile is package amd64's CmdlineFile, the fw_cfg file of the
// kernel command line.
const CmdlineFile = "opt/tamago-smp/cmdline"

// Targets are the ways the qemu/ harness builds and boots this board.
var Targets = []spec.Target{{
	Name:           "x86_64-uefi",
	GOARCH:         "amd64",
	Tags:           []string{"uefi"},
	LDFlags:        "-T 0x10010000 -R 0x1000 -E _rt0_percpu_efi",
	QEMU:           "qemu-system-x86_64",
	Debian:         "qemu-system-x86",
	Firmware:       OVMF,
	FirmwareDebian: "ovmf",
	// -m covers TamaGo's amd64 RAM, 0x10000000 + 1 GiB, and the
	// firmware's own
	Args: []string{
		"-machine", "q35", "-cpu", "max", "-m", "2G", "-smp", "{smp}",
		"-nographic", "-monitor", "none", "-serial", "stdio", "-no-reboot",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
		"-drive", "if=pflash,format=raw,readonly=on,file=" + OVMF,
		"-drive", "format=raw,file=fat:rw:{dir}/esp",
		"-net", "none",
	},
	// no -append without -kernel: the command line is a fw_cfg file,
	// which package amd64 reads when the start_info has none
	AppendArgs: []string{"-fw_cfg", "name=" + CmdlineFile + ",string={cmdline}"},
	Files: map[string]func(string) ([]byte, error){
		BootPath: func(elf string) ([]byte, error) { return PE(elf, ImageBase) },
	},
	ExitDevice: microvm.Targets[0].ExitDevice,
	Exit:       microvm.Targets[0].Exit,
}}
