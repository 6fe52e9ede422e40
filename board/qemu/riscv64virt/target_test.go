// QEMU virt board for the SMP kernel, RISC-V 64-bit
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package riscv64virt

import (
	"encoding/binary"
	"slices"
	"testing"
)

// TestShim decodes the shim the row's -bios loads as RV64I I-type
// instructions (RISC-V Unprivileged ISA, chapter 2), so the words are
// checked against their meaning, not a copy of them.
func TestShim(t *testing.T) {
	tg := Targets[0]
	if i := slices.Index(tg.Args, "-bios"); i < 0 || tg.Args[i+1] != "{dir}/shim.bin" || tg.Files["shim.bin"] == nil {
		t.Fatalf("Args %q, Files %v: want -bios {dir}/shim.bin, generated", tg.Args, tg.Files)
	}
	b, err := tg.Files["shim.bin"]("")
	if err != nil || len(b) != 12 {
		t.Fatalf("shim.bin: % x, want 12 bytes", b)
	}

	const opLoad, opJALR, zero, t0, a2 = 0x03, 0x67, 0, 5, 12
	for i, w := range []struct {
		text                    string
		opcode, funct3, rd, rs1 uint32
		imm                     int32
	}{
		{"ld t0, 16(a2)", opLoad, 3, t0, a2, 16},
		{"ld t0, 24(t0)", opLoad, 3, t0, t0, 24},
		{"jalr zero, 0(t0)", opJALR, 0, zero, t0, 0},
	} {
		insn := binary.LittleEndian.Uint32(b[4*i:])
		opcode, rd, funct3, rs1, imm := insn&0x7f, insn>>7&0x1f, insn>>12&0x7, insn>>15&0x1f, int32(insn)>>20
		if opcode != w.opcode || funct3 != w.funct3 || rd != w.rd || rs1 != w.rs1 || imm != w.imm {
			t.Errorf("word %d %#08x: opcode %#x funct3 %d rd x%d rs1 x%d imm %d, want %s", i, insn, opcode, funct3, rd, rs1, imm, w.text)
		}
	}
}
