// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"debug/elf"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/tamago-smp/kernel/linker"
)

// Region of the canned consoles: _percpu_start is 32-byte but not 64-byte
// aligned, as cmd/link may place it, so area 0 is at start + 0x20.
const (
	cannedStart = 0x101d6620
	cannedEnd   = cannedStart + linker.RegionSize
	cannedArea0 = 0x101d6640
	cannedSize  = 128
)

// canned returns a console that honours the contract for a target with
// register reg and EL el (0: none), with smp CPUs and two tests per CPU,
// around some boot noise.
func canned(reg string, el, smp int) []string {
	lines := []string{
		"tamago: booting",
		fmt.Sprintf("percpu: _percpu_start=%#x _percpu_end=%#x area_size=%d areas=%d", cannedStart, cannedEnd, cannedSize, smp),
	}

	elField := ""
	if el != 0 {
		elField = fmt.Sprintf(" el=%d", el)
	}

	for id := smp - 1; id >= 0; id-- { // any order
		lines = append(lines, fmt.Sprintf("cpu %d online: %s=%#x%s", id, reg, cannedArea0+id*cannedSize, elField))
	}

	for _, test := range []string{"read_write", "remote"} {
		for id := 0; id < smp; id++ {
			lines = append(lines, fmt.Sprintf("PASS %s cpu=%d", test, id))
		}
	}

	return append(lines, fmt.Sprintf("selftest: %d passed, 0 failed", 2*smp), "")
}

var x86Expect = expect{SMP: 4, Reg: "gs_base"}

// replace returns lines with the first line holding old changed to new
// (deleted when new is "").
func replace(t *testing.T, lines []string, old, new string) []string {
	t.Helper()

	out := slices.Clone(lines)
	for i, l := range out {
		if strings.Contains(l, old) {
			if new == "" {
				return slices.Delete(out, i, i+1)
			}
			out[i] = strings.Replace(l, old, new, 1)
			return out
		}
	}

	t.Fatalf("no line contains %q", old)
	return nil
}

func TestContractGood(t *testing.T) {
	for _, tc := range []struct {
		reg     string
		el, smp int
	}{
		{"gs_base", 0, 1}, {"gs_base", 0, 4},
		{"tpidr_el2", 2, 4}, {"tpidr_el1", 1, 8}, {"gp", 0, 16},
	} {
		lines := canned(tc.reg, tc.el, tc.smp)
		con, errs := checkConsole(lines, expect{SMP: tc.smp, Reg: tc.reg, EL: tc.el})

		for _, err := range errs {
			t.Errorf("%s el=%d SMP=%d: %v", tc.reg, tc.el, tc.smp, err)
		}

		want := console{HavePercpu: true, Start: cannedStart, End: cannedEnd, AreaSize: cannedSize, Areas: uint64(tc.smp)}
		if con != want {
			t.Errorf("parsed %+v, want %+v", con, want)
		}
	}
}

// TestContractCRLF checks that serial line endings do not matter.
func TestContractCRLF(t *testing.T) {
	lines := canned("gs_base", 0, 4)
	for i := range lines {
		lines[i] += "\r"
	}

	if _, errs := checkConsole(lines, x86Expect); len(errs) > 0 {
		t.Errorf("CRLF console: %v", errs)
	}
}

func TestContractBad(t *testing.T) {
	good := canned("gs_base", 0, 4)
	area := func(id int) string { return fmt.Sprintf("%#x", cannedArea0+id*cannedSize) }

	// good[1] is the percpu: line, good[2:6] the online lines (3, 2, 1, 0)
	percpuLate := slices.Concat(good[:1], good[2:6], good[1:2], good[6:])
	onlineLate := slices.Concat(good[:5], good[6:7], good[5:6], good[7:])

	for _, tc := range []struct {
		name  string
		lines []string
		want  string // substring of one of the violations
	}{
		{"no output", nil, "no output"},
		{"no percpu line", replace(t, good, "percpu:", ""), "no percpu: header line"},
		{"two percpu lines", append([]string{good[1]}, good...), "2 percpu: header lines"},
		{"malformed percpu line", replace(t, good, "area_size=", "size="), "malformed percpu line"},
		{"region upside down", replace(t, good, fmt.Sprintf("_percpu_end=%#x", cannedEnd), "_percpu_end=0x1000"), "is not above"},
		{"area size not a stride", replace(t, good, "area_size=128", "area_size=120"), "area_size=120"},
		{"too few areas", replace(t, good, "areas=4", "areas=2"), "areas=2"},
		{"missing cpu", replace(t, good, "cpu 2 online", ""), "3 `cpu <id> online` lines, want 4"},
		{"extra cpu", replace(t, good, "cpu 2 online", "cpu 4 online"), "cpu 4 online, but only CPUs 0..3"},
		{"duplicate cpu", replace(t, good, "cpu 2 online", "cpu 1 online"), "cpu 1 online twice"},
		{"malformed online line", replace(t, good, "cpu 2 online: gs_base=", "cpu 2 online: gs_base "), "malformed online line"},
		{"wrong register", replace(t, good, "cpu 3 online: gs_base", "cpu 3 online: fs_base"), "register fs_base, want gs_base"},
		{"unexpected el", replace(t, good, "="+area(3), "="+area(3)+" el=1"), "want no el= field"},
		{"base shared", replace(t, good, "cpu 3 online: gs_base="+area(3), "cpu 3 online: gs_base="+area(2)), "cpu 2 has base " + area(2) + ", same as cpu 3"},
		{"base outside region", replace(t, good, "cpu 3 online: gs_base="+area(3), "cpu 3 online: gs_base=0x2000"), "not inside the region"},
		{"base off by a header", replace(t, good, "cpu 3 online: gs_base="+area(3), fmt.Sprintf("cpu 3 online: gs_base=%#x", cannedArea0+3*cannedSize+8)), "want alignUp(_percpu_start, 64) + 3*area_size"},
		{"base unaligned area 0", replace(t, good, "cpu 0 online: gs_base="+area(0), fmt.Sprintf("cpu 0 online: gs_base=%#x", cannedStart)), "cpu 0 base 0x101d6620, want"},
		{"online before percpu", percpuLate, "online before the percpu: line"},
		{"online after the tests", onlineLate, "online after the self-tests started"},
		{"no PASS for a cpu", replace(t, replace(t, good, "PASS read_write cpu=2", ""), "PASS remote cpu=2", ""), "no PASS line for cpu 2"},
		{"PASS for a cpu not started", replace(t, good, "PASS remote cpu=3", "PASS remote cpu=7"), "PASS for cpu=7"},
		{"malformed PASS", replace(t, good, "PASS remote cpu=3", "PASS remote on cpu 3"), "malformed PASS line"},
		{"FAIL line", replace(t, good, "PASS remote cpu=3", "FAIL remote cpu=3: want 3, saw 0"), "FAIL remote cpu=3: want 3, saw 0"},
		{"no summary", replace(t, good, "selftest:", ""), "no `selftest: N passed, M failed` line"},
		{"summary not last", append(slices.Clone(good), "panic: oops"), `last line "panic: oops"`},
		{"two summaries", append([]string{"selftest: 0 passed, 0 failed"}, good...), "2 selftest: lines"},
		{"summary counts failures", replace(t, good, "0 failed", "1 failed"), "selftest: 1 failed"},
		{"summary miscounts", replace(t, good, "8 passed", "9 passed"), "9 passed, but 8 PASS lines"},
		{"malformed summary", replace(t, good, "selftest: 8 passed, 0 failed", "selftest: 8 passed"), "is not `selftest: N passed, 0 failed`"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines := tc.lines

			_, errs := checkConsole(lines, x86Expect)
			if len(errs) == 0 {
				t.Fatalf("no violation found, want %q in:\n%s", tc.want, strings.Join(lines, "\n"))
			}

			for _, err := range errs {
				if strings.Contains(err.Error(), tc.want) {
					return
				}
			}
			t.Errorf("violations %q, want one containing %q", errs, tc.want)
		})
	}
}

func TestContractEL(t *testing.T) {
	el2 := expect{SMP: 4, Reg: "tpidr_el2", EL: 2}
	good := canned("tpidr_el2", 2, 4)

	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"el missing", "el=2", "", "no el= field, want el=2"},
		{"el wrong", "el=2", "el=1", "el=1, want el=2"},
		{"register of EL1", "tpidr_el2=", "tpidr_el1=", "register tpidr_el1, want tpidr_el2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines := slices.Clone(good)
			for i, l := range lines {
				if strings.HasPrefix(l, "cpu 1 online") {
					lines[i] = strings.TrimSpace(strings.Replace(l, tc.old, tc.new, 1))
				}
			}

			_, errs := checkConsole(lines, el2)
			for _, err := range errs {
				if strings.Contains(err.Error(), tc.want) {
					return
				}
			}
			t.Errorf("violations %q, want one containing %q", errs, tc.want)
		})
	}
}

func TestCheckBoot(t *testing.T) {
	lines := canned("gs_base", 0, 4)

	if _, errs := checkBoot(&result{Lines: lines}, nil, x86Expect); len(errs) > 0 {
		t.Errorf("good boot: %v", errs)
	}

	_, errs := checkBoot(&result{Lines: lines, Code: 3}, nil, x86Expect)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "kernel exit code 3, want 0") {
		t.Errorf("exit code 3: %v", errs)
	}

	runErr := errors.New("x86_64 SMP=4: no exit code")
	_, errs = checkBoot(&result{Lines: lines}, runErr, x86Expect)
	if len(errs) != 1 || errs[0] != runErr {
		t.Errorf("undecodable exit: %v", errs)
	}
}

func TestCheckSymbols(t *testing.T) {
	start := &elf.Symbol{Name: "_percpu_start", Value: cannedStart, Size: linker.RegionSize}
	end := &elf.Symbol{Name: "_percpu_end", Value: cannedEnd, Size: linker.GuardSize}
	con := console{HavePercpu: true, Start: cannedStart, End: cannedEnd, AreaSize: cannedSize, Areas: 4}

	if errs := checkSymbols(start, end, con); len(errs) > 0 {
		t.Errorf("good symbols: %v", errs)
	}

	with := func(s *elf.Symbol, f func(*elf.Symbol)) *elf.Symbol {
		c := *s
		f(&c)
		return &c
	}

	for _, tc := range []struct {
		name       string
		start, end *elf.Symbol
		con        console
		want       string
	}{
		{"no start", nil, end, con, "no _percpu_start"},
		{"no end", start, nil, con, "no _percpu_end"},
		{"region size", with(start, func(s *elf.Symbol) { s.Size = 4096 }), end, con, "_percpu_start size 4096"},
		{"gap", start, with(end, func(s *elf.Symbol) { s.Value += 64 }), con, "want linker.RegionSize"},
		{"guard size", start, with(end, func(s *elf.Symbol) { s.Size = 64 }), con, "(guard) size 64"},
		{"alignment", with(start, func(s *elf.Symbol) { s.Value += 16 }), with(end, func(s *elf.Symbol) { s.Value += 16 }), con, "is not 32-byte aligned"},
		{"printed start", start, end, console{HavePercpu: true, Start: cannedStart + 64, End: cannedEnd}, "kernel printed _percpu_start"},
		{"printed end", start, end, console{HavePercpu: true, Start: cannedStart, End: cannedEnd + 64}, "kernel printed _percpu_end"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := checkSymbols(tc.start, tc.end, tc.con)
			for _, err := range errs {
				if strings.Contains(err.Error(), tc.want) {
					return
				}
			}
			t.Errorf("violations %q, want one containing %q", errs, tc.want)
		})
	}
}

// TestCheckELFHost runs the ELF check on a host program that links package
// linker (testdata/region), so its region symbols are laid out by the same
// cmd/link rules as in a kernel, and that prints them as the kernel does.
func TestCheckELFHost(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("host executables are not ELF on %s", runtime.GOOS)
	}

	exe := filepath.Join(t.TempDir(), "region")
	if out, err := exec.Command("go", "build", "-o", exe, "./testdata/region").CombinedOutput(); err != nil {
		t.Fatalf("go build ./testdata/region: %v\n%s", err, out)
	}

	out, err := exec.Command(exe).Output()
	if err != nil {
		t.Fatalf("%s: %v", exe, err)
	}

	con, _ := checkConsole(strings.Split(string(out), "\n"), expect{SMP: 1, Reg: "gs_base"})
	if !con.HavePercpu {
		t.Fatalf("no percpu: line in %q", out)
	}

	if errs := checkELF(exe, con); len(errs) > 0 {
		t.Errorf("%v", errs)
	}

	con.Start += 64
	if errs := checkELF(exe, con); len(errs) != 1 || !strings.Contains(errs[0].Error(), "kernel printed _percpu_start") {
		t.Errorf("a wrong printed _percpu_start: %v", errs)
	}
}

// TestContractLibraryErrors checks that the header is only the line that
// starts with "percpu: _percpu_start=": the library's errors also start
// with "percpu:", and a kernel may print them (a failing kernel then misses
// its header, which is reported as such, not as a malformed header).
func TestContractLibraryErrors(t *testing.T) {
	lines := slices.Insert(canned("gs_base", 0, 4), 1,
		"percpu: Define after Init: the layout is frozen",
		"percpu: 1 CPU needs 17088 bytes, the region has 16448")

	if _, errs := checkConsole(lines, x86Expect); len(errs) > 0 {
		t.Errorf("percpu: error lines beside the header: %v", errs)
	}

	failed := []string{"percpu: 1 CPU needs 17088 bytes, the region has 16448", "selftest: 0 passed, 1 failed"}
	_, errs := checkConsole(failed, x86Expect)
	for _, err := range errs {
		if strings.Contains(err.Error(), "malformed") {
			t.Errorf("an error line taken for a malformed header: %v", err)
		}
	}
	if len(errs) == 0 || !strings.Contains(errs[0].Error(), "no percpu: header line") {
		t.Errorf("violations %q, want the first to be the missing header", errs)
	}
}

// TestContractHWID checks the optional hardware id at the end of the
// online lines.
func TestContractHWID(t *testing.T) {
	withHWID := func(lines []string, name string, el int) []string {
		out := slices.Clone(lines)
		for i, l := range out {
			var id int
			if _, err := fmt.Sscanf(l, "cpu %d online", &id); err == nil {
				out[i] = fmt.Sprintf("%s %s=%#x", l, name, 0x100+id)
			}
		}
		return out
	}

	for _, tc := range []struct {
		reg, hwid string
		el        int
	}{{"gs_base", "apic", 0}, {"tpidr_el2", "mpidr", 2}, {"gp", "hart", 0}} {
		want := expect{SMP: 4, Reg: tc.reg, EL: tc.el, HWID: tc.hwid}
		lines := withHWID(canned(tc.reg, tc.el, 4), tc.hwid, tc.el)

		if _, errs := checkConsole(lines, want); len(errs) > 0 {
			t.Errorf("%s: %v\n%s", tc.hwid, errs, strings.Join(lines, "\n"))
		}
	}

	x86 := expect{SMP: 4, Reg: "gs_base", HWID: "apic"}
	for _, tc := range []struct {
		name  string
		lines []string
		want  string
	}{
		{"wrong name", withHWID(canned("gs_base", 0, 4), "hart", 0), "hardware id hart=0x103, want apic=0x..."},
		{"shared", replace(t, withHWID(canned("gs_base", 0, 4), "apic", 0), "apic=0x103", "apic=0x102"), "hardware id apic=0x102, same as cpu"},
		{"not hex", replace(t, withHWID(canned("gs_base", 0, 4), "apic", 0), "apic=0x103", "apic=3"), "malformed online line"},
	} {
		_, errs := checkConsole(tc.lines, x86)
		if !slices.ContainsFunc(errs, func(err error) bool { return strings.Contains(err.Error(), tc.want) }) {
			t.Errorf("%s: violations %q, want one containing %q", tc.name, errs, tc.want)
		}
	}
}

// TestContractDegraded checks a boot in which a CPU did not come up: a
// failure naming the boot: line, unless the kernel says it runs degraded,
// when the online ids may have gaps.
func TestContractDegraded(t *testing.T) {
	good := canned("gs_base", 0, 4)
	skip2 := replace(t, replace(t, replace(t, good, "cpu 2 online", ""), "PASS read_write cpu=2", ""), "PASS remote cpu=2", "boot: cpu 2 (apic=0x2) did not come online: not woken (boot.skip)")
	skip2 = replace(t, skip2, "selftest: 8 passed", "selftest: 6 passed")

	_, errs := checkConsole(skip2, x86Expect)
	if !slices.ContainsFunc(errs, func(err error) bool {
		return strings.Contains(err.Error(), "3 `cpu <id> online` lines, want 4 (SMP=4): boot: cpu 2 (apic=0x2) did not come online")
	}) {
		t.Errorf("strict boot without cpu 2: violations %q, want the missing CPU with its boot: line", errs)
	}

	degraded := slices.Insert(slices.Clone(skip2), 1, "boot: running degraded: 3 of 4 CPUs online")
	con, errs := checkConsole(degraded, x86Expect)
	if len(errs) > 0 || !con.Degraded {
		t.Errorf("degraded boot without cpu 2: degraded=%v, violations %v", con.Degraded, errs)
	}

	for _, tc := range []struct {
		name  string
		lines []string
		want  string
	}{
		{"no boot: line", replace(t, degraded, "boot: cpu 2", ""), "no boot: line naming the others"},
		{"PASS for a CPU not online", replace(t, degraded, "PASS remote cpu=3", "PASS remote cpu=2"), "PASS for cpu=2, which is not online"},
		{"cpu 0 missing", replace(t, replace(t, replace(t, degraded, "cpu 0 online", ""), "PASS read_write cpu=0", ""), "PASS remote cpu=0", ""), "without cpu 0 online"},
		{"cpu beyond SMP", replace(t, degraded, "cpu 3 online: gs_base="+fmt.Sprintf("%#x", cannedArea0+3*cannedSize), "cpu 5 online: gs_base="+fmt.Sprintf("%#x", cannedArea0+5*cannedSize)), "cpu 5 online, but only CPUs 0..3"},
	} {
		_, errs := checkConsole(tc.lines, x86Expect)
		if !slices.ContainsFunc(errs, func(err error) bool { return strings.Contains(err.Error(), tc.want) }) {
			t.Errorf("%s: violations %q, want one containing %q", tc.name, errs, tc.want)
		}
	}
}

// TestExpectedCPUs checks that maxcpus=N on the kernel command line caps
// the CPUs the contract expects.
func TestExpectedCPUs(t *testing.T) {
	for _, tc := range []struct {
		smp     int
		cmdline string
		want    int
	}{
		{4, "", 4}, {4, "boot.degraded", 4}, {4, "maxcpus=2", 2}, {4, "boot.skip=1 maxcpus=8", 4},
		{4, "maxcpus=x", 4}, {4, "maxcpus=0", 4}, {8, "-test.v=true maxcpus=3", 3},
	} {
		if got := expectedCPUs(tc.smp, tc.cmdline); got != tc.want {
			t.Errorf("expectedCPUs(%d, %q) = %d, want %d", tc.smp, tc.cmdline, got, tc.want)
		}
	}
}
