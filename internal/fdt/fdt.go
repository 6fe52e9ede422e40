// Flattened device tree reader
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Package fdt reads a flattened device tree (Devicetree Specification
// v0.4, chapter 5 "Flattened Devicetree (DTB) Format"), the description of
// the machine that firmware or QEMU hands to the kernel on the aarch64 and
// riscv64 virt boards: which CPUs exist (/cpus), how much RAM (/memory), the
// kernel command line (/chosen/bootargs), and which interrupt controller
// serves which CPU.
//
// It builds on every GOOS, so that the parsers are tested on the host with
// blobs dumped from QEMU (testdata/). Every error names what is wrong and
// where: the byte offset in the blob or the node path.
package fdt

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unsafe"
)

// Header constants (Devicetree Specification v0.4, 5.2 Header, 5.4.1
// Lexical structure).
const (
	Magic      = 0xd00dfeed
	HeaderSize = 40

	tokenBeginNode = 1
	tokenEndNode   = 2
	tokenProp      = 3
	tokenNop       = 4
	tokenEnd       = 9

	// MaxSize bounds the blob size a header may claim: QEMU's trees
	// are a few KiB, firmware's rarely more than 64 KiB.
	MaxSize = 2 << 20

	maxDepth = 32
)

var be = binary.BigEndian

// Prop is one property of a node.
type Prop struct {
	Name  string
	Value []byte
}

// Node is one node of the tree.
type Node struct {
	// Name is the node name with its unit address ("cpu@1").
	Name     string
	Props    []Prop
	Children []*Node
	Parent   *Node
}

// Tree is a parsed device tree.
type Tree struct {
	Root *Node

	phandles map[uint32]*Node
}

// Size returns the total size of the blob whose header is at b, after
// checking the magic number and the size bound; b needs only the header.
func Size(b []byte) (int, error) {
	if len(b) < HeaderSize {
		return 0, fmt.Errorf("fdt: %d bytes, the header alone is %d", len(b), HeaderSize)
	}
	if m := be.Uint32(b[0:]); m != Magic {
		return 0, fmt.Errorf("fdt: bad magic %#x at offset 0, want %#x", m, Magic)
	}
	size := be.Uint32(b[4:])
	if size < HeaderSize || size > MaxSize {
		return 0, fmt.Errorf("fdt: totalsize %d at offset 4 outside %d..%d", size, HeaderSize, MaxSize)
	}
	return int(size), nil
}

// At returns the blob at physical address addr (identity mapped), reading
// its size from its header. It returns an error if addr is 0, misaligned or
// holds no device tree.
func At(addr uintptr) ([]byte, error) {
	if addr == 0 || addr%8 != 0 {
		return nil, fmt.Errorf("fdt: no device tree at %#x (null or not 8-byte aligned)", addr)
	}
	hdr := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(nil), addr)), HeaderSize)
	size, err := Size(hdr)
	if err != nil {
		return nil, fmt.Errorf("%w (at %#x)", err, addr)
	}
	return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(nil), addr)), size), nil
}

// Parse parses a whole blob.
func Parse(b []byte) (*Tree, error) {
	size, err := Size(b)
	if err != nil {
		return nil, err
	}
	if size > len(b) {
		return nil, fmt.Errorf("fdt: truncated: header says %d bytes at offset 4, have %d", size, len(b))
	}
	b = b[:size]

	offStruct := int(be.Uint32(b[8:]))
	offStrings := int(be.Uint32(b[12:]))
	sizeStrings := int(be.Uint32(b[32:]))
	sizeStruct := int(be.Uint32(b[36:]))

	if offStruct < HeaderSize || offStruct+sizeStruct > size || sizeStruct < 0 {
		return nil, fmt.Errorf("fdt: structure block %d+%d (header offsets 8, 36) outside the %d-byte blob", offStruct, sizeStruct, size)
	}
	if offStrings < HeaderSize || offStrings+sizeStrings > size || sizeStrings < 0 {
		return nil, fmt.Errorf("fdt: strings block %d+%d (header offsets 12, 32) outside the %d-byte blob", offStrings, sizeStrings, size)
	}

	strs := b[offStrings : offStrings+sizeStrings]
	s := b[:offStruct+sizeStruct]
	t := &Tree{phandles: map[uint32]*Node{}}

	var cur *Node
	depth := 0

	for p := offStruct; ; {
		if p+4 > len(s) {
			return nil, fmt.Errorf("fdt: structure block ends at offset %d without FDT_END", p)
		}
		tok := be.Uint32(s[p:])
		at := p
		p += 4

		switch tok {
		case tokenBeginNode:
			name, n, ok := cstring(s[p:])
			if !ok {
				return nil, fmt.Errorf("fdt: unterminated node name at offset %d", p)
			}
			p += align4(n + 1)
			if depth++; depth > maxDepth {
				return nil, fmt.Errorf("fdt: nodes nested deeper than %d at offset %d", maxDepth, at)
			}
			node := &Node{Name: name, Parent: cur}
			if cur == nil {
				if t.Root != nil {
					return nil, fmt.Errorf("fdt: second root node at offset %d", at)
				}
				t.Root = node
			} else {
				cur.Children = append(cur.Children, node)
			}
			cur = node
		case tokenEndNode:
			if cur == nil {
				return nil, fmt.Errorf("fdt: FDT_END_NODE without a node at offset %d", at)
			}
			cur, depth = cur.Parent, depth-1
		case tokenProp:
			if cur == nil {
				return nil, fmt.Errorf("fdt: property outside any node at offset %d", at)
			}
			if p+8 > len(s) {
				return nil, fmt.Errorf("fdt: truncated property header at offset %d", at)
			}
			n, nameoff := int(be.Uint32(s[p:])), int(be.Uint32(s[p+4:]))
			p += 8
			if n < 0 || p+n > len(s) {
				return nil, fmt.Errorf("fdt: property of %d bytes at offset %d runs past the structure block", n, at)
			}
			if nameoff >= len(strs) {
				return nil, fmt.Errorf("fdt: property name offset %d at offset %d outside the %d-byte strings block", nameoff, at, len(strs))
			}
			name, _, ok := cstring(strs[nameoff:])
			if !ok {
				return nil, fmt.Errorf("fdt: unterminated property name at strings offset %d", nameoff)
			}
			cur.Props = append(cur.Props, Prop{Name: name, Value: s[p : p+n]})
			p += align4(n)
			if name == "phandle" && n == 4 {
				t.phandles[be.Uint32(s[p-align4(n):])] = cur
			}
		case tokenNop:
		case tokenEnd:
			if cur != nil || t.Root == nil {
				return nil, fmt.Errorf("fdt: FDT_END at offset %d inside node %q", at, cur.Path())
			}
			return t, nil
		default:
			return nil, fmt.Errorf("fdt: unknown token %#x at offset %d", tok, at)
		}
	}
}

func align4(n int) int { return (n + 3) &^ 3 }

func cstring(b []byte) (string, int, bool) {
	for i, c := range b {
		if c == 0 {
			return string(b[:i]), i, true
		}
	}
	return "", 0, false
}

// Path returns the full path of n ("/cpus/cpu@1").
func (n *Node) Path() string {
	if n == nil {
		return "<none>"
	}
	if n.Parent == nil {
		return "/"
	}
	if n.Parent.Parent == nil {
		return "/" + n.Name
	}
	return n.Parent.Path() + "/" + n.Name
}

// Find returns the node at path ("/cpus", "/chosen"), matching each
// component by full name or by name without unit address, or nil.
func (t *Tree) Find(path string) *Node {
	n := t.Root
	for _, c := range strings.Split(strings.Trim(path, "/"), "/") {
		if c == "" {
			continue
		}
		n = n.Child(c)
		if n == nil {
			return nil
		}
	}
	return n
}

// Child returns the first child named name, with or without unit address.
func (n *Node) Child(name string) *Node {
	for _, c := range n.Children {
		if c.Name == name || c.BaseName() == name {
			return c
		}
	}
	return nil
}

// BaseName returns the node name without its unit address.
func (n *Node) BaseName() string {
	base, _, _ := strings.Cut(n.Name, "@")
	return base
}

// ByPhandle returns the node whose phandle property is ph, or nil.
func (t *Tree) ByPhandle(ph uint32) *Node {
	return t.phandles[ph]
}

// Prop returns the value of property name and whether n has it.
func (n *Node) Prop(name string) ([]byte, bool) {
	for _, p := range n.Props {
		if p.Name == name {
			return p.Value, true
		}
	}
	return nil, false
}

// String returns property name as a string (its first string if it is a
// string list), or "" if n does not have it.
func (n *Node) String(name string) string {
	v, _ := n.Prop(name)
	s, _, _ := cstring(v)
	return s
}

// Strings returns property name as a string list.
func (n *Node) Strings(name string) (l []string) {
	v, _ := n.Prop(name)
	for len(v) > 0 {
		s, i, ok := cstring(v)
		if !ok {
			return append(l, string(v))
		}
		l = append(l, s)
		v = v[i+1:]
	}
	return
}

// Compatible reports whether the compatible string list of n names one of
// names (Devicetree Specification v0.4, 2.3.1 compatible).
func (n *Node) Compatible(names ...string) bool {
	for _, c := range n.Strings("compatible") {
		for _, name := range names {
			if c == name {
				return true
			}
		}
	}
	return false
}

// Cells returns property name as 32-bit cells, or an error naming the node
// if its length is not a multiple of 4.
func (n *Node) Cells(name string) ([]uint32, error) {
	v, _ := n.Prop(name)
	if len(v)%4 != 0 {
		return nil, fmt.Errorf("fdt: %s: property %s is %d bytes, not a multiple of 4", n.Path(), name, len(v))
	}
	c := make([]uint32, len(v)/4)
	for i := range c {
		c[i] = be.Uint32(v[4*i:])
	}
	return c, nil
}

// U32 returns property name as one cell, or def if n does not have it.
func (n *Node) U32(name string, def uint32) uint32 {
	if v, ok := n.Prop(name); ok && len(v) == 4 {
		return be.Uint32(v)
	}
	return def
}

// Phandle returns the phandle of n, 0 if it has none.
func (n *Node) Phandle() uint32 {
	return n.U32("phandle", 0)
}

// AddressCells returns the #address-cells n gives its children (default 2,
// Devicetree Specification v0.4, 2.3.5).
func (n *Node) AddressCells() int {
	return int(n.U32("#address-cells", 2))
}

// SizeCells returns the #size-cells n gives its children (default 1).
func (n *Node) SizeCells() int {
	return int(n.U32("#size-cells", 1))
}

// Reg is one (address, size) pair of a reg property.
type Reg struct {
	Addr, Size uint64
}

// Regs decodes the reg property of n with its parent's #address-cells and
// #size-cells.
func (n *Node) Regs() ([]Reg, error) {
	ac, sc := 2, 1
	if n.Parent != nil {
		ac, sc = n.Parent.AddressCells(), n.Parent.SizeCells()
	}
	if ac < 1 || ac > 2 || sc < 0 || sc > 2 {
		return nil, fmt.Errorf("fdt: %s: #address-cells %d / #size-cells %d, this reader supports 1..2 / 0..2", n.Path(), ac, sc)
	}
	c, err := n.Cells("reg")
	if err != nil {
		return nil, err
	}
	if len(c) == 0 || len(c)%(ac+sc) != 0 {
		return nil, fmt.Errorf("fdt: %s: reg has %d cells, want a multiple of %d (#address-cells %d + #size-cells %d)", n.Path(), len(c), ac+sc, ac, sc)
	}
	var r []Reg
	for i := 0; i < len(c); i += ac + sc {
		r = append(r, Reg{Addr: cellsValue(c[i : i+ac]), Size: cellsValue(c[i+ac : i+ac+sc])})
	}
	return r, nil
}

func cellsValue(c []uint32) (v uint64) {
	for _, x := range c {
		v = v<<32 | uint64(x)
	}
	return
}

// Okay reports whether n's status is absent, "okay" or "ok" (Devicetree
// Specification v0.4, 2.3.4).
func (n *Node) Okay() bool {
	s, ok := n.Prop("status")
	if !ok {
		return true
	}
	st, _, _ := cstring(s)
	return st == "okay" || st == "ok"
}

// Bootargs returns /chosen/bootargs, the kernel command line, or "".
func (t *Tree) Bootargs() string {
	if c := t.Find("/chosen"); c != nil {
		return c.String("bootargs")
	}
	return ""
}

// Memory returns the RAM ranges of every /memory node whose status is okay.
func (t *Tree) Memory() (r []Reg, err error) {
	for _, n := range t.Root.Children {
		if n.BaseName() != "memory" && n.String("device_type") != "memory" || !n.Okay() {
			continue
		}
		regs, err := n.Regs()
		if err != nil {
			return nil, err
		}
		r = append(r, regs...)
	}
	return
}

// CPU is one /cpus/cpu@... node.
type CPU struct {
	Node *Node
	// Reg is the hardware id: MPIDR affinity on Arm, hart id on RISC-V.
	Reg uint64
	// Status is the status property ("" if absent).
	Status string
}

// CPUs returns the /cpus children whose device_type is "cpu", in tree
// order, with their reg value. It fails, naming the node, when /cpus is
// missing, a reg is malformed, a hardware id is duplicated or no CPU is
// described.
func (t *Tree) CPUs() ([]CPU, error) {
	cpus := t.Find("/cpus")
	if cpus == nil {
		return nil, fmt.Errorf("fdt: no /cpus node")
	}
	ac := cpus.AddressCells()
	if ac < 1 || ac > 2 {
		return nil, fmt.Errorf("fdt: /cpus: #address-cells %d, want 1 or 2", ac)
	}

	var l []CPU
	seen := map[uint64]string{}

	for _, n := range cpus.Children {
		if n.String("device_type") != "cpu" {
			continue
		}
		c, err := n.Cells("reg")
		if err != nil {
			return nil, err
		}
		if len(c) < ac {
			return nil, fmt.Errorf("fdt: %s: reg has %d cells, /cpus #address-cells is %d", n.Path(), len(c), ac)
		}
		id := cellsValue(c[:ac])
		if prev, dup := seen[id]; dup {
			return nil, fmt.Errorf("fdt: %s: hardware id %#x already used by %s", n.Path(), id, prev)
		}
		seen[id] = n.Path()
		l = append(l, CPU{Node: n, Reg: id, Status: n.String("status")})
	}

	if len(l) == 0 {
		return nil, fmt.Errorf("fdt: /cpus describes no CPU (no child with device_type \"cpu\")")
	}

	return l, nil
}
