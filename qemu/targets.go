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
	// the CPU count, {elf} by the kernel ELF and {dir} by the directory
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
		MaxSMP:      linker.MaxCPUs,
		BootTimeout: bootTimeout,
		CPUTimeout:  cpuTimeout,
	},
	aarch64("aarch64-el2", "virt,virtualization=on", "tpidr_el2", 2),
	aarch64("aarch64", "virt", "tpidr_el1", 1),
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

// QEMUArgs returns the QEMU arguments for a boot of elf with smp CPUs; gdb
// adds -S -s (stop at the first instruction, gdbserver on tcp::1234).
func (t *target) QEMUArgs(smp int, elf string, gdb bool) []string {
	r := strings.NewReplacer("{smp}", strconv.Itoa(smp), "{elf}", elf, "{dir}", filepath.Dir(elf))
	args := make([]string, 0, len(t.Args)+2)

	for _, a := range t.Args {
		args = append(args, r.Replace(a))
	}

	if gdb {
		args = append(args, "-S", "-s")
	}

	return args
}

// buildArgs returns the arguments of the TamaGo go command that builds pkg
// into out.
func (t *target) buildArgs(pkg, out string) []string {
	args := []string{"build"}

	if len(t.Tags) > 0 {
		args = append(args, "-tags", strings.Join(t.Tags, ","))
	}

	return append(args, "-ldflags", t.LDFlags, "-o", out, pkg)
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

	b.WriteString("| target | GOARCH, tags | -ldflags | QEMU, machine | Debian package | exit device | per-CPU register | el= |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")

	for _, t := range targets {
		arch := t.GOARCH
		if len(t.Tags) > 0 {
			arch += ", `" + strings.Join(t.Tags, ",") + "`"
		}

		el := "-"
		if t.EL != 0 {
			el = strconv.Itoa(t.EL)
		}

		fmt.Fprintf(&b, "| `%s` | %s | `%s` | `%s` `%s` | %s | %s | `%s` | %s |\n",
			t.Name, arch, t.LDFlags, t.QEMU, t.Machine(), t.Debian, t.ExitDevice, t.Reg, el)
	}

	return b.String()
}

// aarch64 returns the row of an aarch64 target: the same kernel ELF on QEMU
// virt, started at EL2 with virtualization=on (PSCI over SMC) or at EL1
// without it (PSCI over HVC); the per-CPU register follows the level.
func aarch64(name, machine, reg string, el int) *target {
	return &target{
		Name:    name,
		GOARCH:  "arm64",
		Tags:    []string{"linkcpuinit"},
		LDFlags: "-T 0x40200000 -R 0x1000", // ELF header at RAM + 2 MiB - 4 KiB: below it QEMU's 1 MiB DTB, left out silently if it does not fit (hw/arm/boot.c)
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
		MaxSMP:      8, // virt with its default GICv2
		BootTimeout: bootTimeout,
		CPUTimeout:  cpuTimeout,
	}
}
