// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// This file has no build constraint: reading the device tree is pure Go,
// tested on the host with trees dumped from QEMU.

package riscv64

import (
	"fmt"
	"strings"

	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/internal/fdt"
	"github.com/tamago-smp/kernel/linker"
)

// MaxCPUs is the number of logical CPUs this package keeps a mailbox for,
// the kernel's capacity (package linker).
const MaxCPUs = linker.MaxCPUs

// HartTable is the number of hart ids that can park at reset: a hart parks
// in the slot its mhartid indexes, so hart ids 0..HartTable-1 can be
// started. Hart ids may be sparse (SoCs number harts by cluster, or skip a
// monitor core): the table is four times the capacity. A hart whose id is
// larger halts at reset and is reported by [SMP.CPUs] as unusable.
const HartTable = 4 * MaxCPUs

// isaNeed lists the single-letter extensions the kernel needs, as in
// riscv,isa: the Go compiler emits RV64GC code (rva20u64: I, M, A, F, D
// and C; cmd/internal/obj/riscv), and cpuinit enables the FPU.
const isaNeed = "imafdc"

// misaNeed is isaNeed as misa bits (Privileged Architecture, 3.1.1 misa:
// bit n is extension 'A'+n).
const misaNeed = 1<<('i'-'a') | 1<<('m'-'a') | 1<<('a'-'a') | 1<<('f'-'a') | 1<<('d'-'a') | 1<<('c'-'a')

// CLINT register offsets (RISC-V ACLINT specification v1.0, 2 MSWI and
// 3 MTIMER, in the SiFive CLINT layout that QEMU virt and SiFive SoCs use:
// one CLINT per socket, harts numbered by their order in the CLINT's
// interrupts-extended).
const (
	clintMSIP     = 0x0000 // 32-bit per hart
	clintMTIMECMP = 0x4000 // 64-bit per hart
	clintMTIME    = 0xbff8 // 64-bit, one per CLINT

	irqMachineSoft = 3 // interrupts-extended cell of the machine software interrupt
)

// Hart is one hart of the machine as its device tree describes it.
type Hart struct {
	// ID is the hart id (mhartid), the reg of its /cpus node.
	ID uint64
	// Path is its node ("/cpus/cpu@2").
	Path string
	// Unusable, when not empty, says why the kernel must leave the hart
	// alone.
	Unusable string
	// CLINT is the base of the CLINT that serves the hart (its socket's),
	// 0 if none does; Index is the hart's number in that CLINT.
	CLINT uint64
	Index int
}

// MSIP returns the address of the hart's machine software interrupt
// pending register in its CLINT (ACLINT v1.0, 2.1).
func (h *Hart) MSIP() uint64 {
	return h.CLINT + clintMSIP + 4*uint64(h.Index)
}

// MTIMECMP returns the address of the hart's timer compare register in its
// CLINT (ACLINT v1.0, 3.2).
func (h *Hart) MTIMECMP() uint64 {
	return h.CLINT + clintMTIMECMP + 8*uint64(h.Index)
}

// isaLacks returns the extensions of isaNeed that the riscv,isa string isa
// does not list, or "rv64" if it does not describe a 64-bit hart (isaBits).
func isaLacks(isa string) string {
	bits, ok := isaBits([]byte(isa))
	if !ok {
		return "rv64"
	}

	var lacks []byte
	for _, e := range []byte(isaNeed) {
		if bits&(1<<(e-'a')) == 0 {
			lacks = append(lacks, e)
		}
	}
	return string(lacks)
}

// isaBits returns the single-letter extensions of the riscv,isa string isa
// as misa bits (bit n is 'a'+n), ok false if it does not describe a 64-bit
// hart. They come after the base ("rv64") and before the first
// multi-letter one ("_zicsr", or "s", "x", "z" without an underscore); "g"
// stands for "imafd". It allocates nothing: cpuinit calls it in S-mode
// before the Go runtime runs.
//
//go:nosplit
func isaBits(isa []byte) (bits uint64, ok bool) {
	if len(isa) < 4 || isa[0]|0x20 != 'r' || isa[1]|0x20 != 'v' || isa[2] != '6' || isa[3] != '4' {
		return 0, false
	}

	for _, c := range isa[4:] {
		if c >= '0' && c <= '9' {
			continue // a version ("i2p1"), which adds at most a "p"
		}
		c |= 0x20 // lower case
		if c < 'a' || c > 'z' || c == 's' || c == 'x' || c == 'z' {
			break
		}
		bits |= 1 << (c - 'a')
		if c == 'g' {
			bits |= 1<<('i'-'a') | 1<<('m'-'a') | 1<<('a'-'a') | 1<<('f'-'a') | 1<<('d'-'a')
		}
	}
	return bits, true
}

// isaOf returns the ISA string of a /cpus node: riscv,isa, or, on trees
// that describe the ISA the newer way (Devicetree bindings, riscv/cpus.yaml,
// riscv,isa-base and the riscv,isa-extensions string list), the string
// built from those.
func isaOf(n *fdt.Node) string {
	if isa := n.String("riscv,isa"); isa != "" {
		return isa
	}
	base := n.String("riscv,isa-base")
	if base == "" {
		return ""
	}
	var single, multi []string
	for _, e := range n.Strings("riscv,isa-extensions") {
		if len(e) == 1 {
			single = append(single, e)
		} else {
			multi = append(multi, e)
		}
	}
	return strings.Join(append([]string{base[:4] + strings.Join(single, "")}, multi...), "_")
}

// Harts returns the harts of the /cpus node of t in tree order, each with
// the CLINT that serves it. A hart is Unusable when its status is not okay,
// it has no mmu-type, its riscv,isa lacks an extension the kernel needs,
// its id is not below [HartTable] or no CLINT serves it. It fails, naming
// what is wrong and where, when /cpus is missing or malformed.
func Harts(t *fdt.Tree) ([]Hart, error) {
	cpus, err := t.CPUs()
	if err != nil {
		return nil, err
	}

	clints, err := clintsOf(t)
	if err != nil {
		return nil, err
	}

	harts := make([]Hart, len(cpus))

	for i, c := range cpus {
		h := Hart{ID: c.Reg, Path: c.Node.Path()}

		if intc := c.Node.Child("interrupt-controller"); intc != nil {
			if s, ok := clints[intc.Phandle()]; ok && intc.Phandle() != 0 {
				h.CLINT, h.Index = s.base, s.index
			}
		}

		isa := isaOf(c.Node)

		switch {
		case !c.Node.Okay():
			h.Unusable = fmt.Sprintf("status = %q", c.Status)
		case c.Node.String("mmu-type") == "":
			h.Unusable = "no mmu-type"
		case isa == "":
			h.Unusable = "no riscv,isa"
		case isaLacks(isa) != "":
			h.Unusable = fmt.Sprintf("riscv,isa %q lacks %s (the kernel needs rv64%s)", isa, isaLacks(isa), isaNeed)
		case h.ID >= HartTable:
			h.Unusable = fmt.Sprintf("hart id %d outside the park table (0..%d, riscv64.HartTable)", h.ID, HartTable-1)
		case h.CLINT == 0:
			h.Unusable = "no CLINT serves it (no interrupts-extended names its interrupt-controller with irq 3)"
		}

		harts[i] = h
	}

	return harts, nil
}

type clintSlot struct {
	base  uint64
	index int
}

// clintsOf maps the phandle of each hart's interrupt controller to the CLINT
// that raises its machine software interrupt, and its index there: the
// order of the hart among the ones the CLINT's interrupts-extended names
// (pairs of intc phandle and irq, 3 = machine software, 7 = machine timer;
// Devicetree bindings, sifive,clint0 and riscv,aclint-mswi).
func clintsOf(t *fdt.Tree) (map[uint32]clintSlot, error) {
	m := map[uint32]clintSlot{}

	var walk func(n *fdt.Node) error
	walk = func(n *fdt.Node) error {
		for _, ch := range n.Children {
			if err := walk(ch); err != nil {
				return err
			}
		}

		if !n.Compatible("sifive,clint0", "riscv,clint0", "riscv,aclint-mswi") || !n.Okay() {
			return nil
		}

		regs, err := n.Regs()
		if err != nil {
			return err
		}
		c, err := n.Cells("interrupts-extended")
		if err != nil {
			return err
		}
		if len(c)%2 != 0 {
			return fmt.Errorf("riscv64: %s: interrupts-extended has %d cells, want (phandle, irq) pairs", n.Path(), len(c))
		}

		index := map[uint32]int{}
		for i := 0; i < len(c); i += 2 {
			ph := c[i]
			if _, seen := index[ph]; !seen {
				index[ph] = len(index)
			}
			if c[i+1] != irqMachineSoft {
				continue
			}
			if prev, dup := m[ph]; dup {
				return fmt.Errorf("riscv64: %s: interrupt controller %#x already served by the CLINT at %#x", n.Path(), ph, prev.base)
			}
			m[ph] = clintSlot{base: regs[0].Addr, index: index[ph]}
		}
		return nil
	}

	return m, walk(t.Root)
}

// cpus turns harts into the boot package's view, the boot hart (id self)
// marked. The boot hart runs this code: it is never Unusable. It fails when
// the description does not name the boot hart.
func cpus(harts []Hart, self uint64) ([]boot.CPU, error) {
	l := make([]boot.CPU, len(harts))
	found := false

	for i, h := range harts {
		l[i] = boot.CPU{HWID: h.ID, Unusable: h.Unusable}
		if h.ID == self {
			l[i].Boot, l[i].Unusable, found = true, "", true
		}
	}

	if !found {
		return nil, fmt.Errorf("riscv64: the boot hart %d is not in the device tree's /cpus (%d harts)", self, len(harts))
	}

	return l, nil
}
