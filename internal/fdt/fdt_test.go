// Flattened device tree reader
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package fdt

import (
	"encoding/binary"
	"os"
	"strings"
	"testing"
)

// The blobs in testdata were dumped by QEMU 7.2 (-machine ...,dumpdtb=f):
//
//	arm64-smp4.dtb          qemu-system-aarch64 -machine virt -cpu max -smp 4 -m 1G
//	arm64-gicv3-smp20.dtb   qemu-system-aarch64 -machine virt,gic-version=3,virtualization=on -cpu max -smp 20 -m 1G
//	riscv64-2sockets.dtb    qemu-system-riscv64 -machine virt -smp 4,sockets=2 -m 1G \
//	                        -object memory-backend-ram,id=m0,size=512M -object memory-backend-ram,id=m1,size=512M \
//	                        -numa node,memdev=m0,cpus=0-1 -numa node,memdev=m1,cpus=2-3
//
// QEMU riscv64 virt makes one socket, with a CLINT of its own, per NUMA
// node. All are repacked with dtc -I dtb -O dtb, which drops QEMU's padding
// to 1 MiB.
func load(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parse(t *testing.T, name string) *Tree {
	t.Helper()
	tr, err := Parse(load(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return tr
}

func TestCPUsGICv3(t *testing.T) {
	tr := parse(t, "arm64-gicv3-smp20.dtb")
	cpus, err := tr.CPUs()
	if err != nil {
		t.Fatal(err)
	}
	if len(cpus) != 20 {
		t.Fatalf("%d CPUs, want 20", len(cpus))
	}
	// QEMU virt with GICv3 puts 16 CPUs per cluster in Aff0, then Aff1
	want := map[int]uint64{0: 0, 15: 0xf, 16: 0x100, 19: 0x103}
	for i, id := range want {
		if cpus[i].Reg != id {
			t.Errorf("cpu %d: reg %#x, want %#x", i, cpus[i].Reg, id)
		}
	}
	for _, c := range cpus {
		if m := c.Node.String("enable-method"); m != "psci" {
			t.Errorf("%s: enable-method %q", c.Node.Path(), m)
		}
	}
	if psci := tr.Find("/psci"); psci == nil || psci.String("method") != "smc" && psci.String("method") != "hvc" {
		t.Errorf("/psci method missing")
	}
	mem, err := tr.Memory()
	if err != nil || len(mem) != 1 || mem[0].Addr != 0x40000000 || mem[0].Size != 1<<30 {
		t.Errorf("memory %+v, %v; want 1 GiB at 0x40000000", mem, err)
	}
}

func TestCPUsRISCVSockets(t *testing.T) {
	tr := parse(t, "riscv64-2sockets.dtb")
	cpus, err := tr.CPUs()
	if err != nil {
		t.Fatal(err)
	}
	if len(cpus) != 4 {
		t.Fatalf("%d harts, want 4", len(cpus))
	}
	seen := map[uint64]bool{}
	for _, c := range cpus {
		seen[c.Reg] = true
		if !strings.HasPrefix(c.Node.String("riscv,isa"), "rv64") || c.Node.String("mmu-type") == "" {
			t.Errorf("%s: isa %q mmu %q", c.Node.Path(), c.Node.String("riscv,isa"), c.Node.String("mmu-type"))
		}
		if intc := c.Node.Child("interrupt-controller"); intc == nil || intc.Phandle() == 0 {
			t.Errorf("%s: no interrupt-controller child with a phandle", c.Node.Path())
		}
	}
	if len(seen) != 4 {
		t.Errorf("hart ids %v not distinct", seen)
	}

	// one CLINT per socket, each serving the harts whose intc phandles
	// its interrupts-extended names
	var clints int
	var walk func(n *Node)
	walk = func(n *Node) {
		if n.BaseName() == "clint" {
			clints++
			c, err := n.Cells("interrupts-extended")
			// (intc phandle, MSI 3) and (intc phandle, timer 7) per hart
			if err != nil || len(c) != 8 {
				t.Errorf("%s: interrupts-extended %v, %v", n.Path(), c, err)
				return
			}
			for i := 0; i < len(c); i += 2 {
				if tr.ByPhandle(c[i]) == nil {
					t.Errorf("%s: phandle %#x resolves to nothing", n.Path(), c[i])
				}
			}
		}
		for _, ch := range n.Children {
			walk(ch)
		}
	}
	walk(tr.Root)
	if clints != 2 {
		t.Errorf("%d CLINTs, want 2", clints)
	}
}

func TestBootargs(t *testing.T) {
	tr := parse(t, "arm64-smp4.dtb")
	if got := tr.Bootargs(); got != "" {
		t.Errorf("bootargs %q, want none", got)
	}
	if tr.Find("/chosen") == nil || tr.Find("/nonexistent") != nil {
		t.Error("Find")
	}
	if p := tr.Find("/cpus/cpu@1").Path(); p != "/cpus/cpu@1" {
		t.Errorf("path %q", p)
	}
}

func TestBroken(t *testing.T) {
	good := load(t, "arm64-smp4.dtb")
	mut := func(f func(b []byte) []byte) []byte {
		return f(append([]byte(nil), good...))
	}
	u32 := binary.BigEndian.PutUint32

	for _, c := range []struct {
		name string
		blob []byte
		want string
	}{
		{"empty", nil, "the header alone is 40"},
		{"magic", mut(func(b []byte) []byte { b[0] = 0; return b }), "bad magic"},
		{"truncated", good[:len(good)/2], "truncated: header says"},
		{"huge", mut(func(b []byte) []byte { u32(b[4:], MaxSize+1); return b }), "totalsize"},
		{"struct", mut(func(b []byte) []byte { u32(b[36:], 1<<20); return b }), "structure block"},
		{"token", mut(func(b []byte) []byte { u32(b[binary.BigEndian.Uint32(b[8:]):], 7); return b }), "unknown token 0x7 at offset"},
	} {
		_, err := Parse(c.blob)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
}

func TestCPUsBroken(t *testing.T) {
	tr := parse(t, "arm64-smp4.dtb")
	cpus := tr.Find("/cpus")

	// duplicate hardware id
	cpu1 := cpus.Child("cpu@1")
	for i, p := range cpu1.Props {
		if p.Name == "reg" {
			cpu1.Props[i].Value = []byte{0, 0, 0, 0}
		}
	}
	if _, err := tr.CPUs(); err == nil || !strings.Contains(err.Error(), "/cpus/cpu@1: hardware id 0x0 already used by /cpus/cpu@0") {
		t.Errorf("duplicate: %v", err)
	}

	// no CPU at all
	cpus.Children = nil
	if _, err := tr.CPUs(); err == nil || !strings.Contains(err.Error(), "describes no CPU") {
		t.Errorf("zero CPUs: %v", err)
	}
}

func TestCompatible(t *testing.T) {
	tr := parse(t, "riscv64-2sockets.dtb")
	n := tr.Find("/soc/clint@2000000")
	if n == nil {
		t.Fatal("no /soc/clint@2000000")
	}
	if !n.Compatible("sifive,clint0") || !n.Compatible("riscv,aclint-mswi", "sifive,clint0") {
		t.Errorf("%s: compatible %q does not name sifive,clint0", n.Path(), n.Strings("compatible"))
	}
	if n.Compatible("arm,gic-v3") || n.Compatible() || tr.Root.Compatible("sifive,clint0") {
		t.Error("Compatible is true for a name the node does not list")
	}
}
