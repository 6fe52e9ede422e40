// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tamago-smp/kernel/linker"
)

// A target is one way to build and boot the kernel: a GOARCH with its build
// flags and a QEMU machine with its exit device. The table below is the only
// place in the project that holds QEMU command lines and kernel build flags;
// the Makefile and CI call `go tool qemu`.
type target struct {
	// Name is the -target value, the build directory (build/<Name>/) and
	// the make target suffix (make qemu-<Name>).
	Name string

	// GOARCH, Tags and LDFlags are passed to the TamaGo go command, with
	// GOOS=tamago: -T is the text start address, -R the segment alignment.
	GOARCH  string
	Tags    []string
	LDFlags string

	// QEMU is the emulator binary and Debian the Debian package that
	// provides it (.ci/run installs it).
	QEMU   string
	Debian string

	// Args are the QEMU arguments. In each of them {smp} is replaced by
	// the -smp value, {elf} by the kernel ELF and {dir} by the directory
	// that holds the ELF and Files.
	Args []string

	// Files are written next to the ELF before a boot, for Args to refer
	// to as {dir}/<name>. They are generated, never committed.
	Files map[string]func() []byte

	// ExitDevice names how the kernel reports its exit code, and Exit
	// turns the QEMU exit status back into that code.
	ExitDevice string
	Exit       exitDecoder

	// MaxSMP is the largest CPU count the harness boots: the kernel's
	// capacity, linker.MaxCPUs.
	MaxSMP int
}

// One boot may take bootTimeout plus cpuTimeout per CPU: QEMU runs with TCG
// (no KVM) on a small shared host.
const (
	bootTimeout = 60 * time.Second
	cpuTimeout  = 15 * time.Second
)

// targets is the table of targets, one row each.
var targets = []*target{
	{
		Name:   "x86_64",
		GOARCH: "amd64",
		// TamaGo amd64 ramStart 0x10000000 + 0x10000; the ELF entry (and
		// PVH note) is ours, to set GS_BASE before TamaGo's cpuinit
		LDFlags: "-T 0x10010000 -R 0x1000 -E _rt0_percpu_amd64",
		QEMU:    "qemu-system-x86_64",
		Debian:  "qemu-system-x86",
		// -m must cover TamaGo's amd64 RAM, 0x10000000 + 1 GiB (1.25 GiB).
		// The PIT (on by default) calibrates the TSC; without the legacy
		// PIC its interrupts go nowhere.
		Args: []string{
			"-machine", "microvm,pic=off", "-cpu", "max", "-m", "2G", "-smp", "{smp}",
			"-nographic", "-monitor", "none", "-serial", "stdio", "-no-reboot",
			"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
			"-kernel", "{elf}",
		},
		ExitDevice: "isa-debug-exit at I/O port 0xf4",
		Exit:       isaDebugExit,
		MaxSMP:     linker.MaxCPUs,
	},
	aarch64("aarch64-el2", "virt,virtualization=on,gic-version=3"),
	aarch64("aarch64", "virt,gic-version=3"),
	{
		Name:    "riscv64",
		GOARCH:  "riscv64",
		Tags:    []string{"linkcpuinit"},
		LDFlags: "-T 0x80010000 -R 0x1000", // virt DRAM 0x80000000 + 0x10000
		QEMU:    "qemu-system-riscv64",
		Debian:  "qemu-system-misc",
		// -bios loads the boot shim at 0x80000000, where every hart jumps
		// after the reset vector: see riscvShim.
		Args: []string{
			"-machine", "virt", "-m", "1G", "-smp", "{smp}",
			"-nographic", "-monitor", "none", "-serial", "stdio",
			"-bios", "{dir}/shim.bin",
			"-kernel", "{elf}",
		},
		Files:      map[string]func() []byte{"shim.bin": riscvShim},
		ExitDevice: "sifive_test at 0x100000",
		Exit:       exitStatus,
		MaxSMP:     linker.MaxCPUs,
	},
}

// aarch64 returns the row of an aarch64 target: the same kernel ELF on QEMU
// virt, started at EL2 with virtualization=on (PSCI over SMC) or at EL1
// without it (PSCI over HVC). Both use GICv3: with the default GICv2 virt
// refuses more than 8 CPUs.
func aarch64(name, machine string) *target {
	return &target{
		Name:   name,
		GOARCH: "arm64",
		Tags:   []string{"linkcpuinit"},
		// virt RAM 0x40000000 + 2 MiB: QEMU puts the device tree at the
		// start of RAM only if its unpacked 1 MiB (FDT_MAX_SIZE) fits
		// below the lowest ELF segment (hw/arm/boot.c, arm_load_dtb:
		// silently none otherwise), and the ELF header page is at
		// -T minus 0x1000
		LDFlags: "-T 0x40200000 -R 0x1000",
		QEMU:    "qemu-system-aarch64",
		Debian:  "qemu-system-arm",
		Args: []string{
			"-machine", machine, "-cpu", "cortex-a72", "-m", "1G", "-smp", "{smp}",
			"-nographic", "-monitor", "none", "-serial", "stdio", "-semihosting",
			"-kernel", "{elf}",
		},
		ExitDevice: "semihosting SYS_EXIT",
		Exit:       exitStatus,
		MaxSMP:     linker.MaxCPUs,
	}
}

// riscvShimWords is the riscv64 boot shim, three RV64I instructions.
//
// On QEMU virt every hart starts in M-mode at the reset vector in MROM
// (0x1000), which sets a0 = mhartid, a1 = FDT address, a2 = &fw_dynamic_info
// and jumps to the start of DRAM, 0x80000000, where -bios loads this shim
// (hw/riscv/boot.c, riscv_setup_rom_reset_vec). The kernel ELF is not there:
// with -kernel, fw_dynamic_info.next_addr is the lowest ELF load address,
// which for a Go ELF linked at -T 0x80010000 is the ELF header (the first
// PT_LOAD starts at file offset 0). The shim reads e_entry from that header
// and jumps to it, with a0-a2 untouched, on every hart.
var riscvShimWords = [3]uint32{
	0x01063283, // ld t0, 16(a2)  t0 = fw_dynamic_info.next_addr (offset 16) = ELF header
	0x0182b283, // ld t0, 24(t0)  t0 = Elf64_Ehdr.e_entry (offset 24)
	0x00028067, // jr t0          jalr x0, 0(t0)
}

// riscvShim returns the riscv64 boot shim as the 12 bytes of the file given
// to `qemu-system-riscv64 -bios`, little-endian.
func riscvShim() []byte {
	b := make([]byte, 0, 4*len(riscvShimWords))
	for _, w := range riscvShimWords {
		b = binary.LittleEndian.AppendUint32(b, w)
	}
	return b
}

// findTarget returns the row named name.
func findTarget(name string) (*target, error) {
	for _, t := range targets {
		if t.Name == name {
			return t, nil
		}
	}
	return nil, fmt.Errorf("unknown target %q (targets: %s)", name, strings.Join(targetNames(), ", "))
}

// findTargets resolves a comma-separated list of target names; "all" or an
// empty list selects every row.
func findTargets(list string) (sel []*target, err error) {
	if list == "" || list == "all" {
		return targets, nil
	}
	for _, name := range strings.Split(list, ",") {
		t, err := findTarget(strings.TrimSpace(name))
		if err != nil {
			return nil, err
		}
		sel = append(sel, t)
	}
	return
}

// targetNames returns the names of all rows, in table order.
func targetNames() (names []string) {
	for _, t := range targets {
		names = append(names, t.Name)
	}
	return
}

// Timeout returns how long a boot with smp CPUs may take.
func (t *target) Timeout(smp int) time.Duration {
	return bootTimeout + time.Duration(smp)*cpuTimeout
}

// Machine returns the -machine value of the QEMU arguments.
func (t *target) Machine() string {
	if i := slices.Index(t.Args, "-machine"); i >= 0 && i+1 < len(t.Args) {
		return t.Args[i+1]
	}
	return ""
}

// checkSMP rejects a CPU count the machine cannot run.
func (t *target) checkSMP(smp int) error {
	if smp < 1 || smp > t.MaxSMP {
		return fmt.Errorf("-smp %d: target %s runs 1 to %d CPUs", smp, t.Name, t.MaxSMP)
	}
	return nil
}

// withTags returns a copy of t whose builds add the build tags in the
// comma-separated list tags.
func (t *target) withTags(tags string) *target {
	c := *t
	c.Tags = slices.Clone(t.Tags)
	for _, tag := range splitList(tags) {
		if !slices.Contains(c.Tags, tag) {
			c.Tags = append(c.Tags, tag)
		}
	}
	return &c
}

// qemuOpts are the choices of one boot on top of the target's row.
type qemuOpts struct {
	SMP     string   // the -smp value: a CPU count or a QEMU -smp spec (parseSMP)
	Append  string   // the kernel command line (QEMU -append), "" for none
	Machine string   // extra -machine properties, e.g. gic-version=3
	Extra   []string // QEMU arguments after the row's, which override it (-m, -cpu)
	GDB     bool     // -S -s: stop at the first instruction, gdbserver on tcp::1234
}

// QEMUArgs returns the QEMU arguments for a boot of elf.
func (t *target) QEMUArgs(elf string, o qemuOpts) []string {
	r := strings.NewReplacer("{smp}", o.SMP, "{elf}", elf, "{dir}", filepath.Dir(elf))
	var args []string
	for i, a := range t.Args {
		a = r.Replace(a)
		if o.Machine != "" && i > 0 && t.Args[i-1] == "-machine" {
			a += "," + o.Machine
		}
		args = append(args, a)
	}
	if o.Append != "" {
		args = append(args, "-append", o.Append)
	}
	args = append(args, o.Extra...)
	if o.GDB {
		args = append(args, "-S", "-s")
	}
	return args
}

// smpKeys are the properties of a QEMU -smp spec; cpus is the CPU count,
// maxcpus the hot-pluggable maximum, the others the topology.
var smpKeys = []string{"cpus", "maxcpus", "drawers", "books", "sockets", "dies", "clusters", "cores", "threads"}

// maxSMPValue bounds every number of a -smp spec (QEMU's own limits are
// lower: see MaxSMP).
const maxSMPValue = 4096

// parseSMP returns the number of CPUs a QEMU -smp spec starts: "4",
// "4,sockets=2,cores=2", "cpus=4,threads=2" or, without a count, the
// product of the topology ("sockets=2,cores=2" is 4), as QEMU computes it.
func parseSMP(spec string) (int, error) {
	cpus, topo := 0, 1
	bad := func(format string, args ...any) (int, error) {
		return 0, fmt.Errorf("-smp %q: %s", spec, fmt.Sprintf(format, args...))
	}

	for i, f := range strings.Split(spec, ",") {
		key, val, ok := strings.Cut(f, "=")
		if !ok {
			if i > 0 {
				return bad("%q is not key=value", f)
			}
			key, val = "cpus", f
		}
		if !slices.Contains(smpKeys, key) {
			return bad("unknown property %q (want a count or %s)", key, strings.Join(smpKeys, ", "))
		}
		n, err := strconv.Atoi(val)
		if err != nil || n < 1 || n > maxSMPValue {
			return bad("%s=%q is not a number from 1 to %d", key, val, maxSMPValue)
		}
		switch key {
		case "cpus":
			cpus = n
		case "maxcpus":
		default:
			topo *= n
		}
	}

	switch {
	case cpus != 0:
		return cpus, nil
	case topo > maxSMPValue:
		return bad("the topology gives %d CPUs, more than %d", topo, maxSMPValue)
	}
	return topo, nil
}

// goArgs returns the arguments of the TamaGo go command cmd (build, test,
// vet) for this target: the build tags, the link flags but for vet, then
// args.
func (t *target) goArgs(cmd string, args ...string) []string {
	out := []string{cmd}
	if len(t.Tags) > 0 {
		out = append(out, "-tags", strings.Join(t.Tags, ","))
	}
	if cmd != "vet" {
		out = append(out, "-ldflags", t.LDFlags)
	}
	return append(out, args...)
}

// env returns the environment of the TamaGo go command for this target.
func (t *target) env() []string {
	return []string{"GOOS=tamago", "GOOSPKG=github.com/usbarmory/tamago", "GOARCH=" + t.GOARCH}
}

// renderTable returns the table as Markdown, for README.md and
// `go tool qemu targets`.
func renderTable() string {
	var b strings.Builder
	b.WriteString("| target | GOARCH, tags | -ldflags | QEMU, machine | Debian package | exit device |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, t := range targets {
		arch := t.GOARCH
		if len(t.Tags) > 0 {
			arch += ", `" + strings.Join(t.Tags, ",") + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | `%s` | `%s` `%s` | %s | %s |\n",
			t.Name, arch, t.LDFlags, t.QEMU, t.Machine(), t.Debian, t.ExitDevice)
	}
	return b.String()
}
