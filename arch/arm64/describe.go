// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// This file has no build constraint: the reading of the device tree is pure
// Go, tested on the host with the trees QEMU hands to the kernel.

package arm64

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/internal/fdt"
)

// mpidrAffinity selects the affinity fields of MPIDR_EL1, Aff3 (bits 39:32)
// and Aff2..Aff0 (bits 23:0) (Arm ARM, MPIDR_EL1). It is what a /cpus reg
// holds on Arm (Devicetree bindings, arm/cpus.yaml) and what PSCI CPU_ON
// takes as its target (DEN0022, 5.1.4 CPU_ON).
const mpidrAffinity = 0xff00ffffff

// The CPU enable-methods this package starts CPUs with (Devicetree
// bindings, arm/cpus.yaml): PSCI CPU_ON, or the spin table of
// Documentation/arm64/booting.rst, where firmware holds the CPU in a loop
// until the 64-bit cpu-release-addr of its node holds an entry address.
const (
	enablePSCI      = "psci"
	enableSpinTable = "spin-table"
)

// cpusFromTree returns the CPUs of the /cpus node of t in tree order, the
// boot CPU (MPIDR affinity self) marked, and for each CPU its
// cpu-release-addr if it is started from a spin table, 0 if with PSCI. A
// CPU whose status is not okay, whose enable-method is neither "psci" nor
// "spin-table" (the latter with an 8-byte, 8-byte aligned, non-zero
// cpu-release-addr) or whose reg holds bits outside the MPIDR affinity
// fields is Unusable, with the reason. The boot CPU runs this code: it is
// never Unusable. It fails, naming what is wrong and where, when the tree
// has no usable /cpus node or does not describe the boot CPU.
func cpusFromTree(t *fdt.Tree, self uint64) ([]boot.CPU, []uint64, error) {
	l, err := t.CPUs()
	if err != nil {
		return nil, nil, err
	}

	cpus := make([]boot.CPU, len(l))
	release := make([]uint64, len(l))
	nboot := 0

	for i, c := range l {
		cpu := boot.CPU{HWID: c.Reg, Boot: c.Reg == self}

		if cpu.Boot {
			nboot++
			cpus[i] = cpu
			continue
		}

		method, hasMethod := c.Node.Prop("enable-method")
		addr, hasAddr := c.Node.Prop("cpu-release-addr")
		path := c.Node.Path()

		switch m := c.Node.String("enable-method"); {
		case c.Reg&^mpidrAffinity != 0:
			cpu.Unusable = fmt.Sprintf("%s: reg %#x has bits outside the MPIDR affinity fields (mask %#x)", path, c.Reg, uint64(mpidrAffinity))
		case !c.Node.Okay():
			cpu.Unusable = fmt.Sprintf("%s: status = %q", path, c.Status)
		case !hasMethod:
			cpu.Unusable = fmt.Sprintf("%s: no enable-method, want %q or %q", path, enablePSCI, enableSpinTable)
		case m == enablePSCI:
		case m != enableSpinTable:
			cpu.Unusable = fmt.Sprintf("%s: enable-method %q, want %q or %q", path, cstr(method), enablePSCI, enableSpinTable)
		case !hasAddr:
			cpu.Unusable = fmt.Sprintf("%s: enable-method %q without cpu-release-addr", path, m)
		case len(addr) != 8:
			cpu.Unusable = fmt.Sprintf("%s: cpu-release-addr is %d bytes, want 8 (two cells)", path, len(addr))
		default:
			a := binary.BigEndian.Uint64(addr)
			if a == 0 || a%8 != 0 {
				cpu.Unusable = fmt.Sprintf("%s: cpu-release-addr %#x, want a non-zero multiple of 8", path, a)
			} else {
				release[i] = a
			}
		}

		cpus[i] = cpu
	}

	if nboot == 0 {
		return nil, nil, fmt.Errorf("fdt: /cpus: no CPU with reg %#x, the MPIDR affinity of the boot CPU (%d CPUs described)", self, len(l))
	}

	return cpus, release, nil
}

// conduitFromTree returns the method of the /psci node of t ("smc" or
// "hvc", Devicetree bindings, arm/psci.yaml), or "" when t has no /psci
// node. Any other method is an error naming it.
func conduitFromTree(t *fdt.Tree) (string, error) {
	n := t.Find("/psci")
	if n == nil {
		return "", nil
	}

	switch m := n.String("method"); m {
	case "smc", "hvc":
		return m, nil
	default:
		return "", fmt.Errorf("fdt: /psci: method %q, want \"smc\" or \"hvc\"", m)
	}
}

func cstr(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// DefaultParkOff is how long a parked AP waits for Enter with WFE before it
// powers itself off, unless [SMP.ParkOff] or the kernel command line say
// otherwise.
const DefaultParkOff = time.Millisecond

// ParkOffOption is the kernel command line option that sets how long a
// parked AP waits with WFE before it powers itself off: a Go duration
// ("arm64.parkoff=0s": at once, "arm64.parkoff=50ms") or "never" (WFE
// only).
const ParkOffOption = "arm64.parkoff"

// cmdlineOption returns the value of option name=value in the kernel
// command line cmdline (the last one wins) and whether it is there.
func cmdlineOption(cmdline, name string) (value string, ok bool) {
	for _, f := range strings.Fields(cmdline) {
		if v, found := strings.CutPrefix(f, name+"="); found {
			value, ok = v, true
		}
	}
	return
}

// parseParkOff parses the value of the arm64.parkoff option: a Go duration
// of at least 0, or "never" (-1).
func parseParkOff(v string) (time.Duration, error) {
	if v == "never" {
		return -1, nil
	}

	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("arm64.parkoff=%q: want a duration of 0s or more (1ms, 50ms) or never", v)
	}

	return d, nil
}

// gicv3FromTree returns the GICv3 distributor and first redistributor
// region (base, size) of the tree's interrupt controller, compatible
// "arm,gic-v3" (Devicetree bindings, interrupt-controller/arm,gic-v3.yaml:
// reg is GICD, then the GICR regions), ok false if there is none.
func gicv3FromTree(t *fdt.Tree) (gicd, gicr, gicrSize uint64, ok bool) {
	var find func(n *fdt.Node) *fdt.Node
	find = func(n *fdt.Node) *fdt.Node {
		if n.Compatible("arm,gic-v3") {
			return n
		}
		for _, c := range n.Children {
			if f := find(c); f != nil {
				return f
			}
		}
		return nil
	}

	n := find(t.Root)
	if n == nil {
		return
	}

	regs, err := n.Regs()
	if err != nil || len(regs) < 2 {
		return
	}

	return regs[0].Addr, regs[1].Addr, regs[1].Size, true
}
