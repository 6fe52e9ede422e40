// Flattened device tree reader
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package fdt

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// seeds adds every device tree dumped in the repository's testdata to the
// corpus of f, with args appended.
func seeds(f *testing.F, args ...any) {
	names, _ := filepath.Glob("testdata/*.dtb")
	more, _ := filepath.Glob("../../arch/*/testdata/*.dtb")
	if len(names) == 0 || len(more) == 0 {
		f.Fatalf("no device tree in testdata: %v %v", names, more)
	}
	for _, name := range append(names, more...) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(append([]any{b}, args...)...)
	}
}

// checkErr fails t unless err says where: at an offset, in a node, or of
// the n-byte blob as a whole.
func checkErr(t *testing.T, what string, err error, n int) {
	t.Helper()
	s := err.Error()
	if !strings.HasPrefix(s, "fdt: ") || !strings.Contains(s, "offset") && !strings.Contains(s, " /") && !strings.Contains(s, strconv.Itoa(n)+" bytes") {
		t.Fatalf("%s: error %q names no offset and no node", what, s)
	}
}

// inside reports whether v lies in b (an empty v does).
func inside(v, b []byte) bool {
	if len(v) == 0 {
		return true
	}
	p, lo := uintptr(unsafe.Pointer(unsafe.SliceData(v))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return p >= lo && p+uintptr(len(v)) <= lo+uintptr(len(b))
}

// FuzzParse parses any blob of up to 1 MiB: an error says where; an
// accepted tree holds only property values inside the blob's structure
// block, nodes at most maxDepth deep, and CPUs with distinct hardware ids.
func FuzzParse(f *testing.F) {
	seeds(f)

	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<20 {
			return
		}

		size, err := Size(b)
		if err != nil {
			checkErr(t, "Size", err, len(b))
		} else if size < HeaderSize || size > MaxSize {
			t.Fatalf("Size = %d, want %d..%d", size, HeaderSize, MaxSize)
		}

		tr, err := Parse(b)
		if err != nil {
			checkErr(t, "Parse", err, len(b))
			return
		}
		if size > len(b) {
			t.Fatalf("Parse accepted a blob of %d bytes whose header says %d", len(b), size)
		}

		start := int(be.Uint32(b[8:]))
		block := b[start : start+int(be.Uint32(b[36:]))]
		var walk func(n *Node, depth int)
		walk = func(n *Node, depth int) {
			if depth > maxDepth {
				t.Fatalf("%s: %d deep, at most %d", n.Path(), depth, maxDepth)
			}
			for _, p := range n.Props {
				if !inside(p.Value, block) {
					t.Fatalf("%s: property %s is not inside the structure block", n.Path(), p.Name)
				}
			}
			if _, err := n.Regs(); err != nil {
				checkErr(t, "Regs", err, len(b))
			}
			for _, c := range n.Children {
				if c.Parent != n {
					t.Fatalf("%s: parent %s, want %s", c.Path(), c.Parent.Path(), n.Path())
				}
				walk(c, depth+1)
			}
		}
		walk(tr.Root, 1)

		if _, err := tr.Memory(); err != nil {
			checkErr(t, "Memory", err, len(b))
		}

		cpus, err := tr.CPUs()
		if err != nil {
			checkErr(t, "CPUs", err, len(b))
			return
		}
		seen := map[uint64]bool{}
		for _, c := range cpus {
			if seen[c.Reg] {
				t.Fatalf("CPUs lists hardware id %#x twice", c.Reg)
			}
			seen[c.Reg] = true
		}
	})
}

// FuzzRAMEnd runs the early readers, Size and RAMEnd, on any blob of up
// to 1 MiB: they never panic, RAMEnd accepts only a blob whose header Size
// accepts and returns an end above addr, and on a tree Parse accepts it
// agrees with the tree.
func FuzzRAMEnd(f *testing.F) {
	for _, addr := range []uint64{0x40000000, 0x80000000, 0xa0000000} {
		seeds(f, addr)
	}

	f.Fuzz(func(t *testing.T, b []byte, addr uint64) {
		if len(b) > 1<<20 {
			return
		}

		end, ok := RAMEnd(b, addr)
		if !ok {
			if end != 0 {
				t.Fatalf("RAMEnd(%#x) = %#x, false", addr, end)
			}
		} else if size, err := Size(b); err != nil || size > len(b) || end <= addr {
			t.Fatalf("RAMEnd(%#x) = %#x, true; Size = %d, %v of %d bytes", addr, end, size, err, len(b))
		}

		tr, err := Parse(b)
		if err != nil {
			return
		}
		if want, wantOK, regular := ramEnd(tr, b, addr); regular && (end != want || ok != wantOK) {
			t.Fatalf("RAMEnd(%#x) = %#x, %v; the parsed tree says %#x, %v", addr, end, ok, want, wantOK)
		}
	})
}

// ramEnd is what RAMEnd should answer, read from the parsed tree, and
// whether the tree is regular enough to tell: the root gives each cell
// size at most once and before its memory nodes' properties, which have no
// child nodes.
func ramEnd(tr *Tree, b []byte, addr uint64) (end uint64, ok, regular bool) {
	off := func(v []byte) uintptr {
		return uintptr(unsafe.Pointer(unsafe.SliceData(v))) - uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	}

	var ac, sc []Prop
	var last uintptr
	for _, p := range tr.Root.Props {
		if len(p.Value) != 4 {
			continue
		}
		switch p.Name {
		case "#address-cells":
			ac = append(ac, p)
		case "#size-cells":
			sc = append(sc, p)
		default:
			continue
		}
		last = max(last, off(p.Value))
	}
	if len(ac) > 1 || len(sc) > 1 {
		return 0, false, false
	}
	a, s := 2, 1
	if len(ac) == 1 {
		a = int(be.Uint32(ac[0].Value))
	}
	if len(sc) == 1 {
		s = int(be.Uint32(sc[0].Value))
	}

	for _, n := range tr.Root.Children {
		if n.BaseName() != "memory" {
			continue
		}
		if len(n.Children) > 0 {
			return 0, false, false
		}
		for _, p := range n.Props {
			if p.Name != "reg" {
				continue
			}
			if len(p.Value) > 0 && off(p.Value) < last {
				return 0, false, false
			}
			if a < 1 || a > 2 || s < 1 || s > 2 {
				return 0, false, true
			}
			for i := 0; i+4*(a+s) <= len(p.Value); i += 4 * (a + s) {
				base := cellsValue(cellsOf(p.Value[i:], a))
				top := base + cellsValue(cellsOf(p.Value[i+4*a:], s))
				if base <= addr && addr < top {
					return top, true, true
				}
			}
		}
	}
	return 0, false, true
}

func cellsOf(v []byte, n int) []uint32 {
	c := make([]uint32, n)
	for i := range c {
		c[i] = be.Uint32(v[4*i:])
	}
	return c
}

// FuzzHartISA: HartISA, which runs before Go on the S-mode riscv64 kernel,
// answers with bytes of the blob itself, never holding a NUL, only for a blob
// Size accepts, and as the parsed tree does: a riscv,isa of a child of a
// cpus node.
func FuzzHartISA(f *testing.F) {
	for _, hart := range []uint64{0, 1, 3} {
		seeds(f, hart)
	}

	f.Fuzz(func(t *testing.T, b []byte, hart uint64) {
		if len(b) > 1<<20 {
			return
		}

		isa, ok := HartISA(b, hart)
		if !ok {
			return
		}
		start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
		at := uintptr(unsafe.Pointer(unsafe.SliceData(isa)))
		if len(isa) > 0 && (at < start || at+uintptr(len(isa)) > start+uintptr(len(b))) {
			t.Fatalf("HartISA(%d) = %q: not inside the %d-byte blob", hart, isa, len(b))
		}
		if bytes.IndexByte(isa, 0) >= 0 {
			t.Fatalf("HartISA(%d) = %q holds a NUL", hart, isa)
		}
		if size, err := Size(b); err != nil || size > len(b) {
			t.Fatalf("HartISA(%d) = %q, true; Size = %d, %v of %d bytes", hart, isa, size, err, len(b))
		}

		tr, err := Parse(b)
		if err != nil {
			return
		}
		for _, cpus := range tr.Root.Children {
			if cpus.BaseName() != "cpus" {
				continue
			}
			for _, c := range cpus.Children {
				for _, p := range c.Props {
					if p.Name == "riscv,isa" && bytes.Equal(p.Value[:max(bytes.IndexByte(p.Value, 0), 0)], isa) {
						return
					}
				}
			}
		}
		t.Fatalf("HartISA(%d) = %q, true; no /cpus child of the parsed tree has that riscv,isa", hart, isa)
	})
}
