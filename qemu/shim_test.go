// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func TestRISCVShimBytes(t *testing.T) {
	want := []byte{
		0x83, 0x32, 0x06, 0x01,
		0x83, 0xb2, 0x82, 0x01,
		0x67, 0x80, 0x02, 0x00,
	}

	if got := riscvShim(); !bytes.Equal(got, want) {
		t.Fatalf("shim % x, want % x", got, want)
	}
}

// TestRISCVShimDecode decodes the shim as RV64I I-type instructions (RISC-V
// Unprivileged ISA, chapter 2, "Integer Computational Instructions" and
// "Load and Store Instructions"), so the words are checked against their
// meaning and not only against a copy of themselves.
func TestRISCVShimDecode(t *testing.T) {
	const (
		opLoad = 0x03 // LOAD
		opJALR = 0x67 // JALR
		zero   = 0
		t0     = 5
		a2     = 12
	)

	want := []struct {
		text                    string
		opcode, funct3, rd, rs1 uint32
		imm                     int32
	}{
		{"ld t0, 16(a2)", opLoad, 3, t0, a2, 16},
		{"ld t0, 24(t0)", opLoad, 3, t0, t0, 24},
		{"jalr zero, 0(t0)", opJALR, 0, zero, t0, 0},
	}

	b := riscvShim()
	if len(b) != 12 {
		t.Fatalf("shim is %d bytes, want 12", len(b))
	}

	for i, w := range want {
		insn := binary.LittleEndian.Uint32(b[4*i:])

		opcode := insn & 0x7f
		rd := insn >> 7 & 0x1f
		funct3 := insn >> 12 & 0x7
		rs1 := insn >> 15 & 0x1f
		imm := int32(insn) >> 20

		if opcode != w.opcode || funct3 != w.funct3 || rd != w.rd || rs1 != w.rs1 || imm != w.imm {
			t.Errorf("word %d %#08x: opcode %#x funct3 %d rd x%d rs1 x%d imm %d, want %s",
				i, insn, opcode, funct3, rd, rs1, imm, w.text)
		}
	}
}
