// Raspberry Pi 3 board (QEMU raspi3b) for the SMP kernel, aarch64
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package raspi3b

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"

	"github.com/tamago-smp/kernel/board/spec"
)

// LoadAddr is where the Pi firmware, and QEMU for a raw -kernel on raspi3b,
// loads kernel8.img and starts the boot CPU (hw/arm/boot.c,
// KERNEL64_LOAD_ADDR).
const LoadAddr = 0x80000

// Targets are the ways the qemu/ harness builds and boots this board: the
// kernel as the raw kernel8.img the Pi firmware starts, on QEMU raspi3b
// (exactly four Cortex-A53, 1 GiB), with a device tree like the Pi 3's.
var Targets = []spec.Target{{
	Name:   "aarch64-raspi3b",
	GOARCH: "arm64",
	Tags:   []string{"linkcpuinit", "raspi3b"},
	// 2 MiB into RAM, above the unmapped first 2 MiB (the raw image
	// starts at LoadAddr with a branch to the entry, _rt0_raspi3b)
	LDFlags: "-T 0x200000 -R 0x1000 -E _rt0_raspi3b",
	QEMU:    "qemu-system-aarch64",
	Debian:  "qemu-system-arm",
	Args: []string{
		"-machine", "raspi3b", "-m", "1G", "-smp", "{smp}",
		"-nographic", "-monitor", "none", "-serial", "stdio", "-semihosting",
		"-dtb", "{dir}/raspi3b.dtb",
		"-kernel", "{dir}/kernel8.img",
	},
	Files: map[string]func(string) ([]byte, error){
		"kernel8.img": func(path string) ([]byte, error) { return RawImage(path, LoadAddr) },
		"raspi3b.dtb": func(string) ([]byte, error) { return DeviceTree(4), nil },
	},
	CPUs:       []int{4},
	ExitDevice: "semihosting SYS_EXIT",
	Exit:       spec.ExitStatus,
}}

// RawImage returns the kernel ELF at path as a raw image to be loaded at
// load: every PT_LOAD segment at its physical address minus load, the
// part beyond its file size (.bss) zero, and in the first 4 bytes an A64
// B to the ELF entry (Arm ARM, C6 B: imm26 words), where the boot CPU
// starts. Segments must lie at load+4 or above, the entry within 128 MiB.
func RawImage(path string, load uint64) ([]byte, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: not an ELF: %v", path, err)
	}
	defer f.Close()

	if f.Machine != elf.EM_AARCH64 {
		return nil, fmt.Errorf("%s: machine %v, want EM_AARCH64", path, f.Machine)
	}

	var end uint64
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || p.Memsz == 0 {
			continue
		}
		if p.Paddr < load+4 {
			return nil, fmt.Errorf("%s: segment at %#x, below the image's start %#x plus its branch", path, p.Paddr, load)
		}
		end = max(end, p.Paddr+p.Memsz)
	}

	off := f.Entry - load
	if f.Entry < load+4 || off >= 128<<20 || off%4 != 0 || end == 0 {
		return nil, fmt.Errorf("%s: entry %#x, segments up to %#x: want an entry 4-byte aligned within 128 MiB of %#x", path, f.Entry, end, load)
	}

	img := make([]byte, end-load)
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || p.Filesz == 0 {
			continue
		}
		if _, err := p.ReadAt(img[p.Paddr-load:p.Paddr-load+p.Filesz], 0); err != nil {
			return nil, fmt.Errorf("%s: segment at %#x: %v", path, p.Paddr, err)
		}
	}

	binary.LittleEndian.PutUint32(img, 0x14000000|uint32(off/4)) // b entry

	return img, nil
}

// DeviceTree returns the flattened device tree the harness passes with
// -dtb: the Pi 3's as the firmware passes it (Linux bcm2837.dtsi,
// bcm2837-rpi-3-b.dts), reduced to what the kernel reads and QEMU fixes up
// (/memory, /chosen): the cores (4 on a Pi 3; more describe cores that
// never leave the spin table) with their spin-table release addresses
// 0xd8 + 8*core, the PL011 and the ARM local interrupt controller.
func DeviceTree(ncpu int) []byte {
	cpus := &node{name: "cpus", props: []prop{cells("#address-cells", 1), cells("#size-cells", 0)}}
	for i := uint32(0); i < uint32(ncpu); i++ {
		cpus.children = append(cpus.children, &node{
			name: fmt.Sprintf("cpu@%d", i),
			props: []prop{
				str("device_type", "cpu"), str("compatible", "arm,cortex-a53"), cells("reg", i),
				str("enable-method", "spin-table"), cells("cpu-release-addr", 0, 0xd8+8*i),
			},
		})
	}

	root := &node{
		props: []prop{
			str("compatible", "raspberrypi,3-model-b", "brcm,bcm2837"), str("model", "Raspberry Pi 3 Model B"),
			cells("#address-cells", 1), cells("#size-cells", 1),
		},
		children: []*node{
			{name: "chosen"},
			{name: "memory@0", props: []prop{str("device_type", "memory"), cells("reg", 0, 0x3c000000)}},
			cpus,
			{name: "soc", props: []prop{
				str("compatible", "simple-bus"), cells("#address-cells", 1), cells("#size-cells", 1),
				cells("ranges", 0x7e000000, 0x3f000000, 0x1000000, 0x40000000, 0x40000000, 0x1000),
			}, children: []*node{
				{name: "serial@7e201000", props: []prop{str("compatible", "arm,pl011", "arm,primecell"), cells("reg", 0x7e201000, 0x200)}},
				{name: "local_intc@40000000", props: []prop{
					str("compatible", "brcm,bcm2836-l1-intc"), cells("reg", 0x40000000, 0x100),
					{name: "interrupt-controller"}, cells("#interrupt-cells", 2),
				}},
			}},
			{name: "timer", props: []prop{str("compatible", "arm,armv8-timer", "arm,armv7-timer"), {name: "always-on"}}},
		},
	}

	return root.flatten()
}

// A node and a prop of a device tree being built.
type node struct {
	name     string
	props    []prop
	children []*node
}

type prop struct {
	name  string
	value []byte
}

func str(name string, v ...string) prop {
	var b []byte
	for _, s := range v {
		b = append(append(b, s...), 0)
	}
	return prop{name, b}
}

func cells(name string, v ...uint32) prop {
	b := make([]byte, 4*len(v))
	for i, c := range v {
		binary.BigEndian.PutUint32(b[4*i:], c)
	}
	return prop{name, b}
}

// Structure block tokens and header (Devicetree Specification v0.4, 5
// Flattened Devicetree (DTB) Format).
const (
	fdtMagic     = 0xd00dfeed
	fdtBeginNode = 1
	fdtEndNode   = 2
	fdtProp      = 3
	fdtEnd       = 9
	fdtHeader    = 40
	fdtRsvmap    = 16 // the terminating empty reservation
)

// flatten returns the blob of the tree rooted at n: header, empty memory
// reservation map, structure block, strings block.
func (n *node) flatten() []byte {
	var st, strs bytes.Buffer
	offs := map[string]int{}
	u32 := func(v uint32) { _ = binary.Write(&st, binary.BigEndian, v) }
	pad := func() { st.Write(make([]byte, -st.Len()&3)) }

	var walk func(n *node)
	walk = func(n *node) {
		u32(fdtBeginNode)
		st.WriteString(n.name)
		st.WriteByte(0)
		pad()
		for _, p := range n.props {
			off, ok := offs[p.name]
			if !ok {
				off = strs.Len()
				offs[p.name] = off
				strs.WriteString(p.name)
				strs.WriteByte(0)
			}
			u32(fdtProp)
			u32(uint32(len(p.value)))
			u32(uint32(off))
			st.Write(p.value)
			pad()
		}
		for _, c := range n.children {
			walk(c)
		}
		u32(fdtEndNode)
	}
	walk(n)
	u32(fdtEnd)

	structOff := fdtHeader + fdtRsvmap
	stringsOff := structOff + st.Len()
	total := stringsOff + strs.Len()

	b := make([]byte, fdtHeader+fdtRsvmap, total)
	for i, v := range []uint32{fdtMagic, uint32(total), uint32(structOff), uint32(stringsOff), fdtHeader,
		17, 16, 0, uint32(strs.Len()), uint32(st.Len())} {
		binary.BigEndian.PutUint32(b[4*i:], v)
	}
	return append(append(b, st.Bytes()...), strs.Bytes()...)
}
