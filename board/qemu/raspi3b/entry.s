// Raspberry Pi 3 board (QEMU raspi3b) for the SMP kernel, aarch64
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

#include "textflag.h"

// _rt0_raspi3b is the ELF entry (-E), where the first instruction of the
// raw image branches (target.go, RawImage).
//
// Where control came from: the Pi firmware (QEMU raspi3b for a raw
// -kernel: hw/arm/boot.c, the Linux arm64 start) loaded kernel8.img at
// 0x80000 and started the boot CPU there at EL2, MMU and caches off, with
// X0 = the device tree (Documentation/arm64/booting.rst, "Call the kernel
// image"); the other cores wait in its spin table.
//
// What it does: _early_dtb = X0, one aligned store (Device memory with the
// MMU off), for cpuinit's RAM check and the device tree of package arm64.
//
// Where it goes next: _rt0_arm64_tamago, then cpuinit (arch/arm64/entry.s).
TEXT _rt0_raspi3b(SB),NOSPLIT|NOFRAME,$0
	MOVD	$_early_dtb(SB), R1
	MOVD	R0, (R1)
	B	_rt0_arm64_tamago(SB)
