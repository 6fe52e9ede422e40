// Raspberry Pi 3 board (QEMU raspi3b) for the SMP kernel, aarch64
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package raspi3b

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tamago-smp/kernel/internal/fdt"
)

// TestDeviceTree checks the tree of -dtb as the kernel reads it: four
// spin-table CPUs released at 0xd8 + 8*core, RAM from 0, the PL011.
func TestDeviceTree(t *testing.T) {
	tr, err := fdt.Parse(DeviceTree(4))
	if err != nil {
		t.Fatal(err)
	}

	cpus, err := tr.CPUs()
	if err != nil || len(cpus) != 4 {
		t.Fatalf("CPUs %v, %v: want 4", cpus, err)
	}
	for i, c := range cpus {
		addr, _ := c.Node.Prop("cpu-release-addr")
		if c.Reg != uint64(i) || c.Node.String("enable-method") != "spin-table" || len(addr) != 8 || binary.BigEndian.Uint64(addr) != 0xd8+8*uint64(i) {
			t.Errorf("%s: reg %#x, enable-method %q, cpu-release-addr % x; want %d, spin-table, %#x",
				c.Node.Path(), c.Reg, c.Node.String("enable-method"), addr, i, 0xd8+8*i)
		}
	}

	if mem, err := tr.Memory(); err != nil || len(mem) != 1 || mem[0].Addr != 0 || mem[0].Size != 0x3c000000 {
		t.Errorf("memory %+v, %v: want 0 to 0x3c000000", mem, err)
	}
	if uart := tr.Find("/soc/serial@7e201000"); uart == nil || !uart.Compatible("arm,pl011") {
		t.Errorf("no PL011 at /soc/serial@7e201000")
	}
	if tr.Find("/soc/local_intc@40000000") == nil {
		t.Errorf("no ARM local interrupt controller")
	}
}

// elf64 returns a little-endian AArch64 ELF with one PT_LOAD segment of
// data at paddr, memsz bytes in memory, and the entry entry.
func elf64(paddr, entry, memsz uint64, data []byte) []byte {
	var b bytes.Buffer
	w := func(v ...any) {
		for _, x := range v {
			_ = binary.Write(&b, binary.LittleEndian, x)
		}
	}
	b.Write([]byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	// type EXEC, machine AARCH64, version, entry, phoff, shoff, flags,
	// ehsize, phentsize, phnum, shentsize, shnum, shstrndx
	w(uint16(2), uint16(183), uint32(1), entry, uint64(64), uint64(0), uint32(0),
		uint16(64), uint16(56), uint16(1), uint16(64), uint16(0), uint16(0))
	// PT_LOAD, flags RWX, offset, vaddr, paddr, filesz, memsz, align
	w(uint32(1), uint32(7), uint64(120), paddr, paddr, uint64(len(data)), memsz, uint64(0x1000))
	b.Write(data)
	return b.Bytes()
}

func TestRawImage(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}

	img, err := RawImage(write("k.elf", elf64(0x200000, 0x200008, 0x20, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})), LoadAddr)
	if err != nil {
		t.Fatal(err)
	}
	if len(img) != 0x200020-LoadAddr {
		t.Fatalf("image of %#x bytes, want %#x (up to the end of .bss)", len(img), 0x200020-LoadAddr)
	}
	// b +0x180008: imm26 = 0x60002
	if w := binary.LittleEndian.Uint32(img); w != 0x14000000|0x180008/4 {
		t.Errorf("first word %#x, want b to the entry (%#x)", w, 0x14000000|0x180008/4)
	}
	if seg := img[0x180000:0x18000c]; !bytes.Equal(seg, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}) || img[0x18000c] != 0 {
		t.Errorf("segment at 0x200000: % x, want its data then zero .bss", img[0x180000:0x180010])
	}

	for _, c := range []struct {
		name string
		elf  []byte
		want string
	}{
		{"low.elf", elf64(LoadAddr, LoadAddr+8, 0x10, make([]byte, 0x10)), "below the image's start"},
		{"far.elf", elf64(0x200000, LoadAddr+128<<20, 0x10, make([]byte, 0x10)), "within 128 MiB"},
		{"text.elf", []byte("kernel"), "text.elf: not an ELF"},
	} {
		if _, err := RawImage(write(c.name, c.elf), LoadAddr); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one with %q", c.name, err, c.want)
		}
	}
}
