// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"debug/elf"
	"debug/gosym"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tamago-smp/kernel/arch"
)

// faultStatus is the kernel exit code of a CPU exception on every target.
const faultStatus = arch.ExceptionStatus

// faultAddr is the unmapped address the percpu_fault kernel stores to
// (kernel/fault.go).
const faultAddr = 0xfa0

// faultSMP is the CPU count of the fault boots: the last CPU, an AP, faults.
const faultSMP = 4

// A fault is what a board's exception report says.
type fault struct {
	CPU  int
	PC   uint64 // address of the faulting instruction
	Addr uint64 // faulting data address (CR2, FAR, mtval)
	Kind string // vector, exception class or cause, as printed

	// Reg is the per-CPU register at the fault, if the report has it.
	Reg    uint64
	HasReg bool

	Line string
}

// faultLines are the exception report lines per GOARCH: x86_64
// (arch/amd64 exception.s), aarch64 (arch/arm64 exception.s), riscv64
// (arch/riscv64 exception.s: m-mode CSRs, or s-mode ones under SBI).
var faultLines = map[string]*regexp.Regexp{
	"amd64":   regexp.MustCompile(`^exception: cpu ([0-9]+) apic=[0-9]+ vector=([0-9]+) \(([^)]*)\) error=0x([0-9a-f]+) rip=0x([0-9a-f]+) rsp=0x([0-9a-f]+) rflags=0x([0-9a-f]+)(?: cr2=0x([0-9a-f]+))? gs_base=0x([0-9a-f]+)$`),
	"arm64":   regexp.MustCompile(`^exception: cpu ([0-9]+) el=([0-9]) vector=0x([0-9a-f]+) \((\w+)\) esr=0x([0-9a-f]+) elr=0x([0-9a-f]+) far=0x([0-9a-f]+)`),
	"riscv64": regexp.MustCompile(`^exception: cpu ([0-9]+) hart=[0-9]+ ([ms])cause=0x([0-9a-f]+) [ms]epc=0x([0-9a-f]+) [ms]tval=0x([0-9a-f]+)$`),
}

// parseFault finds the exception report of a target of GOARCH goarch in the
// console lines.
func parseFault(goarch string, lines []string) (*fault, error) {
	re := faultLines[goarch]
	if re == nil {
		return nil, fmt.Errorf("no exception report format for GOARCH %s", goarch)
	}

	for _, l := range lines {
		m := re.FindStringSubmatch(l)
		if m == nil {
			continue
		}

		hex := func(s string) uint64 { v, _ := strconv.ParseUint(s, 16, 64); return v }
		f := &fault{Line: l}
		f.CPU, _ = strconv.Atoi(m[1])

		switch goarch {
		case "amd64":
			f.Kind = "vector " + m[2] + " (" + m[3] + ")"
			f.PC, f.Addr, f.Reg, f.HasReg = hex(m[5]), hex(m[8]), hex(m[9]), true
		case "arm64":
			f.Kind = "esr " + m[5]
			f.PC, f.Addr = hex(m[6]), hex(m[7])
		case "riscv64":
			f.Kind = m[2] + "cause " + m[3]
			f.PC, f.Addr = hex(m[4]), hex(m[5])
		}

		return f, nil
	}

	return nil, fmt.Errorf("no exception report line matching %s", re)
}

// funcAt returns the name of the Go function at pc in the ELF at path,
// from its pclntab.
func funcAt(path string, pc uint64) (string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()

	pcln, text := f.Section(".gopclntab"), f.Section(".text")
	if pcln == nil || text == nil {
		return "", fmt.Errorf("%s: no .gopclntab or .text section", path)
	}

	data, err := pcln.Data()
	if err != nil {
		return "", err
	}

	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, text.Addr))
	if err != nil {
		return "", err
	}

	fn := tab.PCToFunc(pc)
	if fn == nil {
		return "", fmt.Errorf("pc %#x is in no function of %s", pc, path)
	}

	return fn.Name, nil
}

var (
	// the kernel's announcement of the deliberate fault
	faultAnnounce = regexp.MustCompile(`^fault: cpu ([0-9]+) `)
	// the panic of a per-CPU access with the register 0 (percpu regError)
	noRegPanic = regexp.MustCompile(`^panic: percpu: (\w+) is 0 on this CPU: register never set \(InitReg\)$`)
)

// TestFault boots the kernel built with each deliberate-fault tag on every
// target with faultSMP CPUs. The fault happens on an AP, the last CPU; the
// run must end (no hang) with a non-zero exit code and report the CPU and
// the registers that identify the fault:
//
//   - percpu_fault: a store to faultAddr. The report names the CPU, the
//     faulting address (CR2, FAR, mtval) and a PC inside main.faultStore
//     (found in the ELF's pclntab); the exit code is faultStatus.
//   - percpu_fault_noreg: the CPU's per-CPU register set to 0, then
//     percpu.CPU(). On x86_64 the check load of gs:[16] faults at 0x10
//     with gs_base=0, in a percpu function; on arm64 and riscv64 the
//     access panics with percpu.ErrRegister naming the register.
func TestFault(t *testing.T) {
	env := newBootEnv(t)

	for _, tg := range env.targets {
		t.Run(tg.Name, func(t *testing.T) {
			t.Parallel()

			for _, tag := range []string{"percpu_fault", "percpu_fault_noreg"} {
				t.Run(tag, func(t *testing.T) {
					elf := env.build(t, tg, "./kernel", nil, tag)
					res := bootOnce(t, tg, qemuOpts{SMP: strconv.Itoa(faultSMP)}, elf)
					if res.err == nil {
						for _, err := range checkFault(tg, tag, faultSMP, elf, res.result) {
							t.Error(err)
						}
					}
					expect(t, tg, res, -1)
				})
			}
		})
	}
}

// checkFault checks the console and exit code of a deliberate-fault boot.
func checkFault(tg *target, tag string, smp int, elf string, res *result) (errs []error) {
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	victim := -1
	bases := map[int]uint64{}

	for _, l := range res.Lines {
		if m := faultAnnounce.FindStringSubmatch(l); m != nil {
			victim, _ = strconv.Atoi(m[1])
		}
		if m := onlineLine.FindStringSubmatch(l); m != nil {
			id, _ := strconv.Atoi(m[1])
			bases[id], _ = strconv.ParseUint(m[2], 16, 64)
		}
	}

	if victim != smp-1 {
		bad("the kernel announced a fault on cpu %d, want cpu %d (the last AP)", victim, smp-1)
	}

	for _, l := range res.Lines {
		if strings.HasPrefix(l, "selftest:") || strings.HasPrefix(l, "fault: cpu") && strings.Contains(l, "without") {
			bad("the kernel went on after the fault: %q", l)
		}
	}

	if tag == "percpu_fault_noreg" && tg.GOARCH != "amd64" {
		// the register check panics: the runtime reports it and exits
		if !hasLine(res.Lines, noRegPanic.String()) {
			bad("no line matching %s", noRegPanic)
		}
		return
	}

	if res.Code != faultStatus {
		bad("kernel exit code %d, want %d (the exception report's)", res.Code, faultStatus)
	}

	f, err := parseFault(tg.GOARCH, res.Lines)
	if err != nil {
		bad("%v", err)
		return
	}

	if f.CPU != victim {
		bad("the report names cpu %d, want %d: %q", f.CPU, victim, f.Line)
	}

	fn, err := funcAt(elf, f.PC)
	if err != nil {
		bad("the reported PC: %v", err)
	}

	switch tag {
	case "percpu_fault":
		if f.Addr != faultAddr {
			bad("faulting address %#x, want %#x: %q", f.Addr, faultAddr, f.Line)
		}
		if err == nil && fn != "main.faultStore" {
			bad("the reported PC %#x is in %s, want main.faultStore", f.PC, fn)
		}
		if f.HasReg && f.Reg != bases[victim] {
			bad("per-CPU register %#x at the fault, want cpu %d's area %#x", f.Reg, victim, bases[victim])
		}

	case "percpu_fault_noreg":
		if f.Addr != 0x10 || !f.HasReg || f.Reg != 0 {
			bad("want a fault at 0x10 (gs:[16], the area magic) with gs_base=0: %q", f.Line)
		}
		if err == nil && !strings.Contains(fn, "/percpu.") {
			bad("the reported PC %#x is in %s, want a function of package percpu", f.PC, fn)
		}
	}

	return
}
