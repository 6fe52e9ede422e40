// Flattened device tree reader
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package fdt

import (
	"encoding/binary"
	"strings"
	"testing"
)

func TestRAMEnd(t *testing.T) {
	for _, c := range []struct {
		blob string
		addr uint64
		end  uint64
		ok   bool
	}{
		{"arm64-smp4.dtb", 0x40000000, 0x80000000, true},
		{"arm64-smp4.dtb", 0x7fffffff, 0x80000000, true},
		{"arm64-smp4.dtb", 0x80000000, 0, false},
		{"arm64-smp4.dtb", 0x3fffffff, 0, false},
		{"arm64-gicv3-smp20.dtb", 0x40000000, 0x80000000, true},
		// two sockets, one memory node each
		{"riscv64-2sockets.dtb", 0x80000000, 0xa0000000, true},
		{"riscv64-2sockets.dtb", 0xa0000000, 0xc0000000, true},
		{"riscv64-2sockets.dtb", 0xc0000000, 0, false},
	} {
		end, ok := RAMEnd(load(t, c.blob), c.addr)
		if end != c.end || ok != c.ok {
			t.Errorf("%s: RAMEnd(%#x) = %#x, %v; want %#x, %v", c.blob, c.addr, end, ok, c.end, c.ok)
		}
	}
}

// TestRAMEndBroken feeds every truncation of a blob, and the blob with
// each byte of its structure block flipped, to RAMEnd: it must never
// panic (it runs before the runtime can report a panic), and a truncated
// blob is never well-formed.
func TestRAMEndBroken(t *testing.T) {
	b := load(t, "arm64-smp4.dtb")

	for n := 0; n < len(b); n++ {
		if end, ok := RAMEnd(b[:n], 0x40000000); ok {
			t.Fatalf("blob cut to %d of %d bytes: RAMEnd = %#x, true; want false", n, len(b), end)
		}
	}

	off := int(binary.BigEndian.Uint32(b[8:]))
	size := int(binary.BigEndian.Uint32(b[36:]))
	for i := 0; i < 40+off+size && i < len(b); i++ {
		m := append([]byte(nil), b...)
		m[i] ^= 0xff
		RAMEnd(m, 0x40000000)
	}

}

func TestHartISA(t *testing.T) {
	b := load(t, "riscv64-2sockets.dtb")
	for _, hart := range []uint64{0, 3} {
		isa, ok := HartISA(b, hart)
		if !ok || !strings.HasPrefix(string(isa), "rv64imafdc") {
			t.Errorf("HartISA(%d) = %q, %v; want rv64imafdc...", hart, isa, ok)
		}
	}
	if isa, ok := HartISA(b, 4); ok {
		t.Errorf("HartISA(4) of 4 harts = %q, true; want false", isa)
	}
	if _, ok := HartISA(load(t, "arm64-smp4.dtb"), 0); ok {
		t.Errorf("HartISA of an arm64 tree: true, want false")
	}

	// every truncation: never a panic, never well-formed
	for n := 0; n < len(b); n++ {
		if isa, ok := HartISA(b[:n], 0); ok {
			t.Fatalf("blob cut to %d of %d bytes: HartISA = %q, true; want false", n, len(b), isa)
		}
	}
}
