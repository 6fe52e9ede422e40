// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package riscv64

import (
	"encoding/binary"
	"os"
	"strings"
	"testing"

	"github.com/tamago-smp/kernel/internal/fdt"
)

// twoSockets was dumped by QEMU 7.2 riscv64 virt with two NUMA nodes,
// hence two sockets of two harts, each socket with its own CLINT (see
// internal/fdt/fdt_test.go for the command line).
const twoSockets = "../../internal/fdt/testdata/riscv64-2sockets.dtb"

// tree reads and parses the device tree blob at path.
func tree(t *testing.T, path string) *fdt.Tree {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := fdt.Parse(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return tr
}

func setProp(n *fdt.Node, name string, v []byte) {
	for i, p := range n.Props {
		if p.Name == name {
			n.Props[i].Value = v
			return
		}
	}
	n.Props = append(n.Props, fdt.Prop{Name: name, Value: v})
}

func delProp(n *fdt.Node, name string) {
	for i, p := range n.Props {
		if p.Name == name {
			n.Props = append(n.Props[:i], n.Props[i+1:]...)
			return
		}
	}
}

func cell(v uint32) []byte {
	return binary.BigEndian.AppendUint32(nil, v)
}

func TestHartsSockets(t *testing.T) {
	harts, err := Harts(tree(t, twoSockets))
	if err != nil {
		t.Fatal(err)
	}

	want := []Hart{
		{ID: 0, Path: "/cpus/cpu@0", CLINT: 0x2000000, Index: 0},
		{ID: 1, Path: "/cpus/cpu@1", CLINT: 0x2000000, Index: 1},
		{ID: 2, Path: "/cpus/cpu@2", CLINT: 0x2010000, Index: 0},
		{ID: 3, Path: "/cpus/cpu@3", CLINT: 0x2010000, Index: 1},
	}
	if len(harts) != len(want) {
		t.Fatalf("%d harts, want %d: %+v", len(harts), len(want), harts)
	}
	for i := range want {
		if harts[i] != want[i] {
			t.Errorf("hart %d: %+v, want %+v", i, harts[i], want[i])
		}
	}

	// hart 3: second hart of the second socket's CLINT
	if a, b := harts[3].MSIP(), harts[3].MTIMECMP(); a != 0x2010004 || b != 0x2014008 {
		t.Errorf("hart 3: MSIP %#x MTIMECMP %#x, want 0x2010004 0x2014008", a, b)
	}
}

func TestHartsUnusable(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(cpu *fdt.Node)
		want string
	}{
		{"disabled", func(n *fdt.Node) { setProp(n, "status", []byte("disabled\x00")) }, `status = "disabled"`},
		{"no mmu", func(n *fdt.Node) { delProp(n, "mmu-type") }, "no mmu-type"},
		{"no isa", func(n *fdt.Node) { delProp(n, "riscv,isa") }, "no riscv,isa"},
		{"no C", func(n *fdt.Node) { setProp(n, "riscv,isa", []byte("rv64imafdh_zicsr\x00")) }, `lacks c (the kernel needs rv64imafdc)`},
		{"isa-extensions", func(n *fdt.Node) {
			delProp(n, "riscv,isa")
			setProp(n, "riscv,isa-base", []byte("rv64i\x00"))
			setProp(n, "riscv,isa-extensions", []byte("i\x00m\x00a\x00f\x00d\x00zicsr\x00"))
		}, `riscv,isa "rv64imafd_zicsr" lacks c`},
		{"rv32", func(n *fdt.Node) { setProp(n, "riscv,isa", []byte("rv32imafdc\x00")) }, "lacks rv64"},
		{"no F D", func(n *fdt.Node) { setProp(n, "riscv,isa", []byte("rv64imac\x00")) }, "lacks fd "},
		{"big id", func(n *fdt.Node) { setProp(n, "reg", cell(HartTable)) }, "outside the park table"},
		{"no CLINT", func(n *fdt.Node) { setProp(n.Child("interrupt-controller"), "phandle", cell(0x777)) }, "no CLINT serves it"},
	} {
		tr := tree(t, twoSockets)
		c.edit(tr.Find("/cpus/cpu@2"))

		harts, err := Harts(tr)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		for i, h := range harts {
			switch {
			case i == 2 && !strings.Contains(h.Unusable, c.want):
				t.Errorf("%s: hart 2 unusable %q, want it to contain %q", c.name, h.Unusable, c.want)
			case i != 2 && h.Unusable != "":
				t.Errorf("%s: hart %d unusable %q, want usable", c.name, i, h.Unusable)
			}
		}
	}
}

func TestISALacks(t *testing.T) {
	for isa, want := range map[string]string{
		"rv64imafdch_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc": "",
		"rv64gc":                       "",
		"RV64IMAFDC":                   "",
		"rv64imafdzicsr":               "c",
		"rv64ima":                      "fdc",
		"rv32gc":                       "rv64",
		"rv64imafd_c_zicsr":            "c", // C after the underscore is not a single-letter extension
		"rv64imafdcsu_zicsr":           "",
		"rv64i2p1m2p0a2p1f2p2d2p2c2p0": "",
		"rv6":                          "rv64",
	} {
		if got := isaLacks(isa); got != want {
			t.Errorf("isaLacks(%q) = %q, want %q", isa, got, want)
		}
	}
}

func TestCPUsBootHart(t *testing.T) {
	tr := tree(t, twoSockets)
	setProp(tr.Find("/cpus/cpu@1"), "status", []byte("disabled\x00"))
	harts, err := Harts(tr)
	if err != nil {
		t.Fatal(err)
	}

	// the boot hart is hart 2, whatever the order
	l, err := cpus(harts, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range l {
		if c.HWID != uint64(i) || c.Boot != (i == 2) || (c.Unusable != "") != (i == 1) {
			t.Errorf("cpu %d: %+v", i, c)
		}
	}

	// a disabled boot hart still runs this code
	if l, err := cpus(harts, 1); err != nil || !l[1].Boot || l[1].Unusable != "" {
		t.Errorf("boot hart 1, disabled in the tree: %+v, %v", l, err)
	}

	if _, err := cpus(harts, 9); err == nil || !strings.Contains(err.Error(), "boot hart 9 is not in") {
		t.Errorf("boot hart 9: %v, want an error naming it", err)
	}
}

func TestCLINTBroken(t *testing.T) {
	tr := tree(t, twoSockets)
	clint := tr.Find("/soc/clint@2010000")
	setProp(clint, "interrupts-extended", cell(4))
	if _, err := Harts(tr); err == nil || !strings.Contains(err.Error(), "/soc/clint@2010000: interrupts-extended has 1 cells") {
		t.Errorf("odd interrupts-extended: %v", err)
	}

	tr = tree(t, twoSockets)
	clint = tr.Find("/soc/clint@2010000")
	v, _ := tr.Find("/soc/clint@2000000").Prop("interrupts-extended")
	setProp(clint, "interrupts-extended", v)
	if _, err := Harts(tr); err == nil || !strings.Contains(err.Error(), "already served by the CLINT") {
		t.Errorf("hart served by two CLINTs: %v", err)
	}
}

// riscv64-4sockets-aplic.dtb: QEMU 7.2, four sockets of two harts (QEMU 7.2
// aborts on more than two sockets with the PLIC, not with the APLIC):
//
//	qemu-system-riscv64 -machine virt,aia=aplic,dumpdtb=f -m 1G -smp 8 \
//	  -object memory-backend-ram,id=m0,size=256M -numa node,memdev=m0,cpus=0-1 ... (m1..m3, cpus 2-3, 4-5, 6-7)
func TestHartsFourSockets(t *testing.T) {
	harts, err := Harts(tree(t, "testdata/riscv64-4sockets-aplic.dtb"))
	if err != nil {
		t.Fatal(err)
	}
	if len(harts) != 8 {
		t.Fatalf("%d harts, want 8", len(harts))
	}
	for i, h := range harts {
		clint, index := uint64(0x2000000+0x10000*(i/2)), i%2
		if h.ID != uint64(i) || h.CLINT != clint || h.Index != index || h.Unusable != "" {
			t.Errorf("hart %d: %+v, want id %d CLINT %#x index %d usable", i, h, i, clint, index)
		}
	}
}

func TestISAExtensions(t *testing.T) {
	tr := tree(t, twoSockets)
	n := tr.Find("/cpus/cpu@3")
	delProp(n, "riscv,isa")
	setProp(n, "riscv,isa-base", []byte("rv64i\x00"))
	setProp(n, "riscv,isa-extensions", []byte("i\x00m\x00a\x00f\x00d\x00c\x00zicsr\x00zifencei\x00"))

	if isa := isaOf(n); isa != "rv64imafdc_zicsr_zifencei" {
		t.Errorf("isa %q, want rv64imafdc_zicsr_zifencei", isa)
	}
	harts, err := Harts(tr)
	if err != nil || harts[3].Unusable != "" {
		t.Errorf("hart 3 with riscv,isa-extensions: %+v, %v; want usable", harts[3], err)
	}
}

// TestMisaNeed checks that misaNeed, the misa bits cpuinit tests (entry.s),
// names the same extensions as isaNeed, the letters Harts looks for in
// riscv,isa: both are written out by hand.
func TestMisaNeed(t *testing.T) {
	for bit := 0; bit < 26; bit++ {
		letter := byte('a' + bit)
		if inMisa, inISA := misaNeed&(1<<bit) != 0, strings.IndexByte(isaNeed, letter) >= 0; inMisa != inISA {
			t.Errorf("extension %c: in misaNeed %v, in isaNeed %q %v", letter, inMisa, isaNeed, inISA)
		}
	}
}
