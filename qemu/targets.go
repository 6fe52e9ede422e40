// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tamago-smp/kernel/linker"
)

// A target is one way to build and boot the kernel: a GOARCH with its build
// flags, a QEMU machine with its exit device, and what the kernel must print
// about its per-CPU register. The table below is the only place in the
// project that holds QEMU command lines and kernel build flags; the Makefile
// and CI call `go run ./qemu`.
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
	// provides it.
	QEMU   string
	Debian string

	// Args are the QEMU arguments. In each of them {smp} is replaced by
	// the -smp value, {elf} by the kernel ELF and {dir} by the directory
	// that holds the ELF and Files.
	Args []string

	// Files are written into the build directory next to the ELF when the
	// kernel is built (and again before a boot if missing), for Args to
	// refer to as {dir}/<name>. They are generated, never committed.
	Files map[string]func() []byte

	// ExitDevice names how the kernel reports its exit code, and Exit
	// turns the QEMU exit status back into that code.
	ExitDevice string
	Exit       exitDecoder

	// Reg is the per-CPU register name the kernel prints in its
	// `cpu <id> online:` lines, and EL the exception level it must print
	// as `el=<n>` (0: the line has no el= field).
	Reg string
	EL  int

	// HWID names the hardware id the online lines may carry after the
	// register (and el=): apic=0x.., mpidr=0x.., hart=0x..
	HWID string

	// MaxSMP is the largest CPU count the machine accepts.
	MaxSMP int

	// BootTimeout plus CPUTimeout per CPU bounds one boot. QEMU runs with
	// TCG (no KVM) on a small shared host: be generous.
	BootTimeout time.Duration
	CPUTimeout  time.Duration
}

// Boot timeouts shared by every row.
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
		ExitDevice:  "isa-debug-exit at I/O port 0xf4",
		Exit:        isaDebugExit,
		Reg:         "gs_base",
		HWID:        "apic",
		MaxSMP:      linker.MaxCPUs,
		BootTimeout: bootTimeout,
		CPUTimeout:  cpuTimeout,
	},
	aarch64("aarch64-el2", "virt,virtualization=on,gic-version=3", "tpidr_el2", 2),
	aarch64("aarch64", "virt,gic-version=3", "tpidr_el1", 1),
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
		Files:       map[string]func() []byte{"shim.bin": riscvShim},
		ExitDevice:  "sifive_test at 0x100000",
		Exit:        exitStatus,
		Reg:         "gp",
		HWID:        "hart",
		MaxSMP:      linker.MaxCPUs,
		BootTimeout: bootTimeout,
		CPUTimeout:  cpuTimeout,
	},
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

// ELF returns the default output path of the kernel, relative to the module
// root.
func (t *target) ELF() string {
	return filepath.Join("build", t.Name, "kernel.elf")
}

// Timeout returns how long a boot with smp CPUs may take.
func (t *target) Timeout(smp int) time.Duration {
	return t.BootTimeout + time.Duration(smp)*t.CPUTimeout
}

// Machine returns the -machine value of the QEMU arguments.
func (t *target) Machine() string {
	for i, a := range t.Args {
		if a == "-machine" && i+1 < len(t.Args) {
			return t.Args[i+1]
		}
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

// qemuOpts are the choices of one boot on top of the target's row.
type qemuOpts struct {
	// SMP is the -smp value: a CPU count or a full QEMU -smp spec
	// (parseSMP).
	SMP string

	// Append is the kernel command line (QEMU -append), "" for none.
	Append string

	// Machine holds extra -machine properties, e.g. gic-version=3.
	Machine string

	// Extra are QEMU arguments added after the row's, which override
	// them for options QEMU takes once (-m, -cpu).
	Extra []string

	// GDB adds -S -s: stop at the first instruction, gdbserver on
	// tcp::1234.
	GDB bool
}

// QEMUArgs returns the QEMU arguments for a boot of elf.
func (t *target) QEMUArgs(elf string, o qemuOpts) []string {
	r := strings.NewReplacer("{smp}", o.SMP, "{elf}", elf, "{dir}", filepath.Dir(elf))
	args := make([]string, 0, len(t.Args)+len(o.Extra)+4)

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

// parseSMP returns the number of CPUs a QEMU -smp spec starts: "4",
// "4,sockets=2,cores=2", "cpus=4,threads=2" or, without a count, the
// product of the topology ("sockets=2,cores=2" is 4), as QEMU computes it.
func parseSMP(spec string) (int, error) {
	cpus, topo := 0, 1
	bad := func(why string) (int, error) {
		return 0, fmt.Errorf("-smp %q: %s", spec, why)
	}

	for i, f := range strings.Split(spec, ",") {
		key, val, ok := strings.Cut(f, "=")
		if !ok {
			if i > 0 {
				return bad(fmt.Sprintf("%q is not key=value", f))
			}
			key, val = "cpus", f
		}
		if !slices.Contains(smpKeys, key) {
			return bad(fmt.Sprintf("unknown property %q (want a count or %s)", key, strings.Join(smpKeys, ", ")))
		}

		n, err := strconv.Atoi(val)
		if err != nil || n < 1 || n > maxSMPValue {
			return bad(fmt.Sprintf("%s=%q is not a number from 1 to %d", key, val, maxSMPValue))
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
		return bad(fmt.Sprintf("the topology gives %d CPUs, more than %d", topo, maxSMPValue))
	}

	return topo, nil
}

// maxSMPValue bounds every number of a -smp spec (QEMU's own limits are
// lower: see MaxSMP).
const maxSMPValue = 4096

// buildArgs returns the arguments of the TamaGo go command that builds pkg
// into out.
func (t *target) buildArgs(pkg, out string) []string {
	args := []string{"build"}

	if len(t.Tags) > 0 {
		args = append(args, "-tags", strings.Join(t.Tags, ","))
	}

	return append(args, "-ldflags", t.LDFlags, "-o", out, pkg)
}

// testArgs returns the arguments of the TamaGo go command that tests
// packages for this target, each test binary run by exec; args are go
// test's own (flags and packages).
func (t *target) testArgs(exec string, args []string) []string {
	out := []string{"test"}

	if len(t.Tags) > 0 {
		out = append(out, "-tags", strings.Join(t.Tags, ","))
	}

	out = append(out, "-ldflags", t.LDFlags, "-exec", exec)

	return append(out, args...)
}

// vetArgs returns the arguments of the TamaGo go command that vets the
// module for this target.
func (t *target) vetArgs() []string {
	args := []string{"vet"}

	if len(t.Tags) > 0 {
		args = append(args, "-tags", strings.Join(t.Tags, ","))
	}

	return append(args, "./...")
}

// env returns the environment of the TamaGo go command for this target.
func (t *target) env() []string {
	return []string{
		"GOOS=tamago",
		"GOOSPKG=github.com/usbarmory/tamago",
		"GOARCH=" + t.GOARCH,
	}
}

// renderTable returns the table as Markdown, for README.md and
// `go run ./qemu targets`.
func renderTable() string {
	var b strings.Builder

	b.WriteString("| target | GOARCH, tags | -ldflags | QEMU, machine | Debian package | exit device | per-CPU register | el= | hardware id |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")

	for _, t := range targets {
		arch := t.GOARCH
		if len(t.Tags) > 0 {
			arch += ", `" + strings.Join(t.Tags, ",") + "`"
		}

		el := "-"
		if t.EL != 0 {
			el = strconv.Itoa(t.EL)
		}

		fmt.Fprintf(&b, "| `%s` | %s | `%s` | `%s` `%s` | %s | %s | `%s` | %s | `%s` |\n",
			t.Name, arch, t.LDFlags, t.QEMU, t.Machine(), t.Debian, t.ExitDevice, t.Reg, el, t.HWID)
	}

	return b.String()
}

// aarch64 returns the row of an aarch64 target: the same kernel ELF on QEMU
// virt, started at EL2 with virtualization=on (PSCI over SMC) or at EL1
// without it (PSCI over HVC); the per-CPU register follows the level. Both
// use GICv3: with the default GICv2 virt refuses more than 8 CPUs.
func aarch64(name, machine, reg string, el int) *target {
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
		ExitDevice:  "semihosting SYS_EXIT",
		Exit:        exitStatus,
		Reg:         reg,
		EL:          el,
		HWID:        "mpidr",
		MaxSMP:      linker.MaxCPUs, // GICv3: virt takes up to 512 CPUs (8 with GICv2)
		BootTimeout: bootTimeout,
		CPUTimeout:  cpuTimeout,
	}
}
