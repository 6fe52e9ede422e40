// Flattened device tree reader
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package fdt

// The early reader: what a kernel needs from the device tree before the Go
// runtime exists (no heap, no g, a small stack), to check that the RAM it is
// about to use is there. Every function here is nosplit, allocates nothing,
// calls only nosplit functions, and checks every index before using it, so
// that no input can make it panic (a panic needs the runtime).

// RAMEnd returns the end of the RAM range, from the reg property of a
// top-level /memory node of the blob b, that contains address addr: the
// kernel may use [addr, end). ok is false when b is not a well-formed
// device tree (bad magic, sizes outside b, a structure block that runs out)
// or no /memory range contains addr. Root #address-cells and #size-cells
// (1 or 2, default 2 and 1) size the reg cells.
//
//go:nosplit
func RAMEnd(b []byte, addr uint64) (end uint64, ok bool) {
	s, strs, offStruct, ok := blocks(b)
	if !ok {
		return 0, false
	}

	ac, sc := 2, 1 // root #address-cells, #size-cells
	depth := 0
	inMemory := false // in a top-level memory node

	for p := offStruct; ; {
		tok, name, nameoff, v, next, ok := token(s, p)
		if !ok {
			return 0, false
		}
		p = next
		n := len(v)

		switch tok {
		case tokenBeginNode:
			depth++
			inMemory = depth == 2 && isMemoryNode(name)
		case tokenEndNode:
			depth--
			inMemory = false
		case tokenProp:
			switch {
			case depth == 1 && n == 4 && strEq(strs, nameoff, "#address-cells"):
				ac = int(be32(v, 0))
			case depth == 1 && n == 4 && strEq(strs, nameoff, "#size-cells"):
				sc = int(be32(v, 0))
			case inMemory && strEq(strs, nameoff, "reg"):
				if ac < 1 || ac > 2 || sc < 1 || sc > 2 {
					return 0, false
				}
				for i := 0; i+4*(ac+sc) <= len(v); i += 4 * (ac + sc) {
					base := cells(v, i, ac)
					top := base + cells(v, i+4*ac, sc)
					if base <= addr && addr < top {
						return top, true
					}
				}
			}
		}
	}
}

// HartISA returns the riscv,isa string (its first, without the NUL) of the
// /cpus node whose reg is hart, the hart id (RISC-V cpus binding; /cpus
// #address-cells 1 or 2, default 1). ok is false when b is not a
// well-formed device tree or no such node has a riscv,isa.
//
//go:nosplit
func HartISA(b []byte, hart uint64) (isa []byte, ok bool) {
	s, strs, offStruct, ok := blocks(b)
	if !ok {
		return nil, false
	}

	ac := 1 // /cpus #address-cells
	depth := 0
	inCPUs := false // in /cpus or below
	var reg uint64
	var hasReg bool

	for p := offStruct; ; {
		tok, name, nameoff, v, next, ok := token(s, p)
		if !ok {
			return nil, false
		}
		p = next
		n := len(v)

		switch tok {
		case tokenBeginNode:
			depth++
			if depth == 2 {
				inCPUs = nameIs(name, "cpus")
			}
			if depth == 3 {
				isa, hasReg = nil, false
			}
		case tokenEndNode:
			if inCPUs && depth == 3 && hasReg && reg == hart && isa != nil {
				return isa, true
			}
			depth--
		case tokenProp:
			switch {
			case !inCPUs:
			case depth == 2 && n == 4 && strEq(strs, nameoff, "#address-cells"):
				ac = int(be32(v, 0))
			case depth == 3 && strEq(strs, nameoff, "reg"):
				if ac < 1 || ac > 2 || n < 4*ac {
					return nil, false
				}
				reg, hasReg = cells(v, 0, ac), true
			case depth == 3 && n > 0 && v[n-1] == 0 && strEq(strs, nameoff, "riscv,isa"):
				isa = v[:n-1]
				for i, c := range isa { // its first string
					if c == 0 {
						isa = isa[:i]
						break
					}
				}
			}
		}
	}
}

// token reads the token at s[p:] (Devicetree Specification v0.4, 5.4):
// for FDT_BEGIN_NODE its name, for FDT_PROP its name offset in the strings
// block and its value, and where the next token starts. ok is false at
// FDT_END, at a bad token, or when the token runs out of s.
//
//go:nosplit
func token(s []byte, p int) (tok uint32, name []byte, nameoff int, v []byte, next int, ok bool) {
	if p < 0 || p+4 > len(s) {
		return 0, nil, 0, nil, 0, false
	}
	tok = be32(s, p)
	p += 4

	switch tok {
	case tokenBeginNode:
		n := strlen(s, p)
		if n < 0 {
			return 0, nil, 0, nil, 0, false
		}
		return tok, s[p : p+n], 0, nil, p + align4(n+1), true
	case tokenProp:
		if p+8 > len(s) {
			return 0, nil, 0, nil, 0, false
		}
		n, nameoff := int(be32(s, p)), int(be32(s, p+4))
		p += 8
		if n < 0 || n > len(s)-p {
			return 0, nil, 0, nil, 0, false
		}
		return tok, nil, nameoff, s[p : p+n], p + align4(n), true
	case tokenEndNode, tokenNop:
		return tok, nil, 0, nil, p, true
	}
	return 0, nil, 0, nil, 0, false // FDT_END or a bad token
}

// blocks returns the structure and strings blocks of the blob b and the
// offset of the structure block in b (s starts at 0, as b), ok false when
// the header does not hold together.
//
//go:nosplit
func blocks(b []byte) (s, strs []byte, offStruct int, ok bool) {
	if len(b) < HeaderSize || be32(b, 0) != Magic {
		return nil, nil, 0, false
	}

	size := int(be32(b, 4))
	offStruct, offStrings := int(be32(b, 8)), int(be32(b, 12))
	sizeStrings, sizeStruct := int(be32(b, 32)), int(be32(b, 36))

	if size < HeaderSize || size > len(b) || size > MaxSize ||
		offStruct < HeaderSize || sizeStruct < 0 || offStruct+sizeStruct > size ||
		offStrings < HeaderSize || sizeStrings < 0 || offStrings+sizeStrings > size {
		return nil, nil, 0, false
	}

	return b[:offStruct+sizeStruct], b[offStrings : offStrings+sizeStrings], offStruct, true
}

// be32 returns the big-endian 32-bit value at b[i:], 0 if it is not there.
//
//go:nosplit
func be32(b []byte, i int) uint32 {
	if i < 0 || i+4 > len(b) {
		return 0
	}
	return uint32(b[i])<<24 | uint32(b[i+1])<<16 | uint32(b[i+2])<<8 | uint32(b[i+3])
}

// cells returns the n big-endian cells at b[i:] as one value.
//
//go:nosplit
func cells(b []byte, i, n int) (v uint64) {
	for k := 0; k < n; k++ {
		v = v<<32 | uint64(be32(b, i+4*k))
	}
	return
}

// strlen returns the length of the NUL-terminated string at b[i:], -1 if
// it has no NUL.
//
//go:nosplit
func strlen(b []byte, i int) int {
	for n := 0; i+n < len(b); n++ {
		if b[i+n] == 0 {
			return n
		}
	}
	return -1
}

// strEq reports whether the NUL-terminated string at strs[off:] is s.
//
//go:nosplit
func strEq(strs []byte, off int, s string) bool {
	if off < 0 || off+len(s) >= len(strs) || strs[off+len(s)] != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if strs[off+i] != s[i] {
			return false
		}
	}
	return true
}

// isMemoryNode reports whether the node name is "memory" or "memory@...".
//
//go:nosplit
func isMemoryNode(name []byte) bool {
	return nameIs(name, "memory")
}

// nameIs reports whether the node name is base or base@unit-address.
//
//go:nosplit
func nameIs(name []byte, base string) bool {
	if len(name) < len(base) || len(name) > len(base) && name[len(base)] != '@' {
		return false
	}
	for i := 0; i < len(base); i++ {
		if name[i] != base[i] {
			return false
		}
	}
	return true
}
