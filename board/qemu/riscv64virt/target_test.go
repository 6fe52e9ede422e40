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

	"github.com/tamago-smp/kernel/board/spec"
)

// TestShim decodes the shims the rows load (-bios in M-mode, -kernel under
// OpenSBI) as RV64I instructions (RISC-V Unprivileged ISA, chapter 2), so
// the words are checked against their meaning, not a copy of them.
func TestShim(t *testing.T) {
	const opAUIPC, opLoad, opJALR, zero, t0, a2 = 0x17, 0x03, 0x67, 0, 5, 12
	type insn struct {
		text                    string
		opcode, funct3, rd, rs1 uint32
		imm                     int32
	}
	for _, row := range []struct {
		target, flag, file string
		first              insn
	}{
		{"riscv64", "-bios", "shim.bin", insn{"ld t0, 16(a2)", opLoad, 3, t0, a2, 16}},
		// the ELF header 0x10000 above the shim at 0x80200000: -T 0x80211000
		{"riscv64-sbi", "-kernel", "sshim.bin", insn{"auipc t0, 0x10", opAUIPC, 0, t0, 0, 0x10}},
	} {
		i := slices.IndexFunc(Targets, func(tg spec.Target) bool { return tg.Name == row.target })
		if i < 0 {
			t.Fatalf("no target %s", row.target)
		}
		tg := Targets[i]
		if j := slices.Index(tg.Args, row.flag); j < 0 || tg.Args[j+1] != "{dir}/"+row.file || tg.Files[row.file] == nil {
			t.Fatalf("%s: Args %q, Files %v: want %s {dir}/%s, generated", row.target, tg.Args, tg.Files, row.flag, row.file)
		}
		if row.target == "riscv64-sbi" && tg.LDFlags != "-T 0x80211000 -R 0x1000" {
			t.Errorf("%s: LDFlags %q: the shim expects the ELF header at 0x80210000", row.target, tg.LDFlags)
		}
		b, err := tg.Files[row.file]("")
		if err != nil || len(b) != 12 {
			t.Fatalf("%s: % x, want 12 bytes", row.file, b)
		}

		for k, w := range []insn{
			row.first,
			{"ld t0, 24(t0)", opLoad, 3, t0, t0, 24},
			{"jalr zero, 0(t0)", opJALR, 0, zero, t0, 0},
		} {
			word := binary.LittleEndian.Uint32(b[4*k:])
			opcode, rd, funct3, rs1, imm := word&0x7f, word>>7&0x1f, word>>12&0x7, word>>15&0x1f, int32(word)>>20
			if opcode == opAUIPC { // U-type: imm[31:12]
				funct3, rs1, imm = 0, 0, int32(word)>>12
			}
			if opcode != w.opcode || funct3 != w.funct3 || rd != w.rd || rs1 != w.rs1 || imm != w.imm {
				t.Errorf("%s word %d %#08x: opcode %#x funct3 %d rd x%d rs1 x%d imm %d, want %s", row.file, k, word, opcode, funct3, rd, rs1, imm, w.text)
			}
		}
	}
}
