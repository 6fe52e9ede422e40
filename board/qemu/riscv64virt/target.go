// QEMU virt board for the SMP kernel, RISC-V 64-bit
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package riscv64virt

import (
	"encoding/binary"

	"github.com/tamago-smp/kernel/board/spec"
)

// Targets are the ways the qemu/ harness builds and boots this board.
var Targets = []spec.Target{{
	Name:    "riscv64",
	GOARCH:  "riscv64",
	Tags:    []string{"linkcpuinit"},
	LDFlags: "-T 0x80010000 -R 0x1000", // virt DRAM 0x80000000 + 0x10000
	QEMU:    "qemu-system-riscv64",
	Debian:  "qemu-system-misc",
	// -bios loads the boot shim at 0x80000000, where every hart jumps
	// after the reset vector: see Shim.
	Args: []string{
		"-machine", "virt", "-m", "1G", "-smp", "{smp}",
		"-nographic", "-monitor", "none", "-serial", "stdio",
		"-bios", "{dir}/shim.bin",
		"-kernel", "{elf}",
	},
	Files:      map[string]func(string) ([]byte, error){"shim.bin": func(string) ([]byte, error) { return Shim(), nil }},
	ExitDevice: "sifive_test at 0x100000",
	Exit:       spec.ExitStatus,
}, {
	Name:    "riscv64-sbi",
	GOARCH:  "riscv64",
	Tags:    []string{"linkcpuinit", "sbi"},
	LDFlags: "-T 0x80211000 -R 0x1000", // above OpenSBI's 2 MiB and the S-mode shim
	QEMU:    "qemu-system-riscv64",
	Debian:  "qemu-system-misc",
	// -bios default is OpenSBI (fw_dynamic), which starts the boot hart
	// in S-mode at the -kernel image, the S-mode shim at 0x80200000;
	// the generic loader puts the kernel ELF at its own addresses: see
	// SShim.
	Args: []string{
		"-machine", "virt", "-m", "1G", "-smp", "{smp}",
		"-nographic", "-monitor", "none", "-serial", "stdio",
		"-bios", "default",
		"-kernel", "{dir}/sshim.bin",
		"-device", "loader,file={elf}",
	},
	Files:      map[string]func(string) ([]byte, error){"sshim.bin": func(string) ([]byte, error) { return SShim(), nil }},
	ExitDevice: "sifive_test at 0x100000",
	Exit:       spec.ExitStatus,
}}

// shimWords is the boot shim, three RV64I instructions.
//
// On QEMU virt every hart starts in M-mode at the reset vector in MROM
// (0x1000), which sets a0 = mhartid, a1 = FDT address, a2 = &fw_dynamic_info
// and jumps to the start of DRAM, 0x80000000, where -bios loads this shim
// (hw/riscv/boot.c, riscv_setup_rom_reset_vec). The kernel ELF is not there:
// with -kernel, fw_dynamic_info.next_addr is the lowest ELF load address,
// which for a Go ELF linked at -T 0x80010000 is the ELF header (the first
// PT_LOAD starts at file offset 0). The shim reads e_entry from that header
// and jumps to it, with a0-a2 untouched, on every hart.
var shimWords = [3]uint32{
	0x01063283, // ld t0, 16(a2)  t0 = fw_dynamic_info.next_addr (offset 16) = ELF header
	0x0182b283, // ld t0, 24(t0)  t0 = Elf64_Ehdr.e_entry (offset 24)
	0x00028067, // jr t0          jalr x0, 0(t0)
}

// sshimWords is the S-mode boot shim, three RV64I instructions.
//
// OpenSBI (fw_dynamic) starts the boot hart at fw_dynamic_info.next_addr,
// which QEMU sets to the lowest address of the -kernel image: for a Go ELF
// that is its ELF header, not its entry point. So -kernel is this shim,
// loaded at 0x80200000 (the first 2 MiB boundary above the firmware), and
// the kernel ELF, linked at -T 0x80211000, is loaded by `-device loader`
// with its header at 0x80210000. The shim reads e_entry from that header,
// PC-relative, and jumps to it with a0 (hart id) and a1 (FDT) untouched.
var sshimWords = [3]uint32{
	0x00010297, // auipc t0, 0x10  t0 = 0x80200000 + 0x10000 = ELF header
	0x0182b283, // ld t0, 24(t0)   t0 = Elf64_Ehdr.e_entry (offset 24)
	0x00028067, // jr t0           jalr x0, 0(t0)
}

// Shim returns the boot shim as the 12 bytes of the file given to
// `qemu-system-riscv64 -bios`, little-endian.
func Shim() []byte {
	return words(shimWords)
}

// SShim returns the S-mode boot shim as the 12 bytes of the file given to
// `qemu-system-riscv64 -kernel` under OpenSBI, little-endian.
func SShim() []byte {
	return words(sshimWords)
}

func words(ws [3]uint32) []byte {
	b := make([]byte, 0, 4*len(ws))
	for _, w := range ws {
		b = binary.LittleEndian.AppendUint32(b, w)
	}
	return b
}
