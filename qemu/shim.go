// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import "encoding/binary"

// riscvShimWords is the riscv64 boot shim, three RV64I instructions.
//
// On QEMU virt every hart starts in M-mode at the reset vector in MROM
// (0x1000), which sets a0 = mhartid, a1 = FDT address, a2 = &fw_dynamic_info
// and jumps to the start of DRAM, 0x80000000, where -bios loads this shim
// (hw/riscv/boot.c, riscv_setup_rom_reset_vec). The kernel ELF is not there:
// with -kernel, fw_dynamic_info.next_addr is the lowest ELF load address,
// which for a Go ELF linked at -T 0x80010000 is the ELF header (the first
// PT_LOAD starts at file offset 0). The shim reads e_entry from that header
// and jumps to it, with a0-a2 untouched, on every hart.
var riscvShimWords = [3]uint32{
	0x01063283, // ld t0, 16(a2)  t0 = fw_dynamic_info.next_addr (offset 16) = ELF header
	0x0182b283, // ld t0, 24(t0)  t0 = Elf64_Ehdr.e_entry (offset 24)
	0x00028067, // jr t0          jalr x0, 0(t0)
}

// riscvShim returns the riscv64 boot shim as the 12 bytes of the file given
// to `qemu-system-riscv64 -bios`, little-endian. It is generated when the
// riscv64 kernel is built, never committed as a binary.
func riscvShim() []byte {
	b := make([]byte, 0, 4*len(riscvShimWords))

	for _, w := range riscvShimWords {
		b = binary.LittleEndian.AppendUint32(b, w)
	}

	return b
}
