// QEMU virt board for the SMP kernel, aarch64
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package arm64virt

import "github.com/tamago-smp/kernel/board/spec"

// Targets are the ways the qemu/ harness builds and boots this board: the
// same kernel ELF on QEMU virt, started at EL2 with virtualization=on (PSCI
// over SMC) or at EL1 without it (PSCI over HVC). Both use GICv3: with the
// default GICv2 virt refuses more than 8 CPUs.
var Targets = []spec.Target{
	target("aarch64-el2", "virt,virtualization=on,gic-version=3"),
	target("aarch64", "virt,gic-version=3"),
}

func target(name, machine string) spec.Target {
	return spec.Target{
		Name:   name,
		GOARCH: "arm64",
		Tags:   []string{"linkcpuinit"},
		// virt RAM 0x40000000 + 2 MiB: QEMU puts the device tree at the
		// start of RAM only if its unpacked 1 MiB (FDT_MAX_SIZE) fits
		// below the lowest ELF segment (hw/arm/boot.c, arm_load_dtb:
		// silently none otherwise), and the ELF header page is at -T
		// minus 0x1000
		LDFlags: "-T 0x40200000 -R 0x1000",
		QEMU:    "qemu-system-aarch64",
		Debian:  "qemu-system-arm",
		Args: []string{
			"-machine", machine, "-cpu", "cortex-a72", "-m", "1G", "-smp", "{smp}",
			"-nographic", "-monitor", "none", "-serial", "stdio", "-semihosting",
			"-kernel", "{elf}",
		},
		ExitDevice: "semihosting SYS_EXIT",
		Exit:       spec.ExitStatus,
	}
}
