// Shared board support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package early

import (
	"os"
	"testing"
	"unsafe"
)

// blob reads a device tree of QEMU from internal/fdt/testdata.
func blob(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../../internal/fdt/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRAM(t *testing.T) {
	arm64 := blob(t, "arm64-smp4.dtb")         // /memory 0x40000000, 1 GiB
	riscv64 := blob(t, "riscv64-2sockets.dtb") // 0x80000000 and 0xa0000000, 512 MiB each

	for _, c := range []struct {
		port                   string
		b                      []byte
		at, start, need, image uint64
		want                   string
	}{
		// QEMU virt: arm64's tree below the image, riscv64's at the top
		{"arm64", arm64, 0x40000000, 0x40000000, 0x80000000, 0x40200000, ""},
		{"riscv64", riscv64, 0xbfe00000, 0x80000000, 0xbfe00000, 0x80010000, ""},

		{"arm64", arm64, 0x40000000, 0x40000000, 0x90000000, 0x40200000,
			"arm64: RAM too small: the device tree's RAM at 0x40000000 ends at 0x80000000, the kernel needs it up to 0x90000000 (RamStart + RamSize)"},
		{"riscv64", riscv64, 0xbfe00000, 0x80000000, 0xc0100000, 0x80010000,
			"riscv64: RAM too small: the device tree's RAM at 0x80000000 ends at 0xc0000000, the kernel needs it up to 0xc0100000 (RamStart + RamSize)"},
		{"arm64", arm64, 0x40000000, 0x30000000, 0x70000000, 0x30200000,
			"arm64: RAM too small: the device tree has no RAM at 0x30000000, the kernel needs it up to 0x70000000 (RamStart + RamSize)"},
		{"arm64", arm64, 0x40000000, 0, 0xffffffffffffffff, 0x40200000,
			"arm64: RAM too small: the device tree has no RAM at 0x0, the kernel needs it up to 0xffffffffffffffff (RamStart + RamSize)"},
		{"arm64", arm64[:100], 0x40000000, 0x40000000, 0x80000000, 0x40200000,
			"arm64: RAM too small: the device tree has no RAM at 0x40000000, the kernel needs it up to 0x80000000 (RamStart + RamSize)"},

		// the tree where the runtime writes: above the image, or across
		// its start, below need
		{"riscv64", riscv64, 0xbfe00000, 0x80000000, 0xc0000000, 0x80010000,
			"riscv64: RAM: the device tree at 0xbfe00000 lies in the kernel's RAM, which ends at 0xc0000000 (RamStart + RamSize)"},
		{"arm64", arm64, 0x40000000, 0x40000000, 0x80000000, 0x40000010,
			"arm64: RAM: the device tree at 0x40000000 lies in the kernel's RAM, which ends at 0x80000000 (RamStart + RamSize)"},
	} {
		var buf [LineSize]byte
		if got := string(ram(&buf, c.port, c.b, c.at, c.start, c.need, c.image)); got != c.want {
			t.Errorf("%s tree at %#x, RAM %#x-%#x, image at %#x:\n got %q\nwant %q", c.port, c.at, c.start, c.need, c.image, got, c.want)
		}
	}
}

// TestRAMAt checks RAM's reading of the tree at an address: none, or not
// a device tree, is not checked; a tree is.
func TestRAMAt(t *testing.T) {
	b := blob(t, "arm64-smp4.dtb")
	mem := make([]uint64, (len(b)+7)/8+1) // 8-byte aligned
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&mem[0])), len(mem)*8), b)
	at := uintptr(unsafe.Pointer(&mem[0]))

	var buf [LineSize]byte
	for _, dtb := range []uintptr{0, at + 4, at + 8} {
		if got := RAM(&buf, "arm64", dtb, 0x40000000, 0x90000000, 0x40200000); got != nil {
			t.Errorf("RAM at %#x (no device tree) = %q, want nil", dtb, got)
		}
	}

	want := "arm64: RAM too small: the device tree's RAM at 0x40000000 ends at 0x80000000, the kernel needs it up to 0x90000000 (RamStart + RamSize)"
	if got := string(RAM(&buf, "arm64", at, 0x40000000, 0x90000000, 0x40200000)); got != want {
		t.Errorf("RAM at the tree = %q, want %q", got, want)
	}
	if got := RAM(&buf, "arm64", at, 0x40000000, 0x80000000, 0x40200000); got != nil {
		t.Errorf("RAM at the tree, 1 GiB needed = %q, want nil", got)
	}
}

// TestRAMLine checks that a line longer than the buffer is cut, not
// written past it.
func TestRAMLine(t *testing.T) {
	var buf [LineSize]byte
	long := string(make([]byte, LineSize))
	got := ram(&buf, long, blob(t, "arm64-smp4.dtb"), 0x40000000, 0x40000000, 0x90000000, 0x40200000)
	if len(got) != LineSize {
		t.Errorf("line of %d bytes, want %d (cut)", len(got), LineSize)
	}
}
