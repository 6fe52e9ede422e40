// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/tamago-smp/kernel/linker"
)

// The output contract, as the kernel prints it on its serial console
// (DESIGN.md section 5), in this order:
//
//	percpu: _percpu_start=0x... _percpu_end=0x... area_size=<bytes> areas=<n>
//	cpu <id> online: <register>=0x<base> [el=<n>] [<hwid>=0x<id>]   one line per CPU, any order
//	PASS <test> cpu=<id>                             one line per test per CPU
//	FAIL <test> cpu=<id>: <expected, seen>
//	boot: <problem>                                  a CPU present but not online, and why
//	selftest: <N> passed, <M> failed                 last line
//
// The header is the only line that starts with headerPrefix: a kernel may
// print other lines starting "percpu:" (the library's error messages do),
// and they are not the header. A kernel told to carry on without the CPUs
// that did not start (boot.degraded) says so with a line starting
// degradedPrefix; its online ids may then have gaps. Other lines (runtime or board messages) are
// allowed anywhere but at the end.
var (
	percpuLine  = regexp.MustCompile(`^percpu: _percpu_start=0x([0-9a-fA-F]+) _percpu_end=0x([0-9a-fA-F]+) area_size=([0-9]+)(?: area_stride=([0-9]+))? areas=([0-9]+)$`)
	onlineLine  = regexp.MustCompile(`^cpu ([0-9]+) online: ([a-z0-9_]+)=0x([0-9a-fA-F]+)(?: el=([0-9]+))?(?: ([a-z]+)=0x([0-9a-fA-F]+))?$`)
	passLine    = regexp.MustCompile(`^PASS (\S+) cpu=([0-9]+)$`)
	summaryLine = regexp.MustCompile(`^selftest: ([0-9]+) passed, ([0-9]+) failed$`)

	// prefixes that claim a line is part of the contract
	onlinePrefix = regexp.MustCompile(`^cpu [0-9]+ online`)
)

const (
	headerPrefix   = "percpu: _percpu_start="
	bootPrefix     = "boot:"
	degradedPrefix = "boot: running degraded"
)

// expect is what a boot must show.
type expect struct {
	SMP  int    // CPUs started with -smp
	Reg  string // register name in the online lines
	EL   int    // el= value in the online lines, 0 for none
	HWID string // name of the optional hardware id field of the online lines
}

// expectFor returns what target t must show with smp CPUs.
func expectFor(t *target, smp int) expect {
	return expect{SMP: smp, Reg: t.Reg, EL: t.EL, HWID: t.HWID}
}

// expectedCPUs returns the CPUs a boot with smp CPUs and kernel command
// line cmdline brings up: maxcpus=N caps them (boot.Options.Max).
func expectedCPUs(smp int, cmdline string) int {
	for _, w := range strings.Fields(cmdline) {
		if v, ok := strings.CutPrefix(w, "maxcpus="); ok {
			if n, err := strconv.Atoi(v); err == nil && n >= 1 {
				smp = min(smp, n)
			}
		}
	}
	return smp
}

// console is the parsed contract part of a console.
type console struct {
	// HavePercpu tells whether exactly one valid percpu: line was seen;
	// Start, End, AreaSize and Areas are its fields.
	HavePercpu bool
	Start, End uint64
	AreaSize   uint64
	Areas      uint64

	// Degraded tells whether the kernel said it carries on without some
	// CPUs (a line starting "boot: running degraded").
	Degraded bool
}

// onlineCPU is one `cpu <id> online:` line.
type onlineCPU struct {
	ID   int
	Reg  string
	Base uint64
	EL   string // "" when absent
	HWID string // hardware id field, "name=0x..." or "" when absent
	Line int    // 1-based line number
}

// alignUp rounds v up to a multiple of a (a power of two).
func alignUp(v, a uint64) uint64 {
	return (v + a - 1) &^ (a - 1)
}

// checkConsole checks the console lines of a boot against the output
// contract and returns what it parsed and every violation found.
func checkConsole(lines []string, want expect) (con console, errs []error) {
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}

	var (
		percpuAt  []int // line numbers of percpu: lines
		online    []onlineCPU
		pass      = map[int]int{} // PASS lines per CPU id
		npass     int
		firstTest int // line number of the first PASS/FAIL line
		summaries []int
		problems  []string // boot: lines
		last      int      // line number of the last non-empty line
	)

	for i, l := range lines {
		n := i + 1
		l = strings.TrimRight(l, " \t\r")

		if l != "" {
			last = n
		}

		switch {
		case strings.HasPrefix(l, headerPrefix):
			percpuAt = append(percpuAt, n)
			m := percpuLine.FindStringSubmatch(l)
			if m == nil {
				bad("line %d: malformed percpu line %q", n, l)
				continue
			}
			con.Start, _ = strconv.ParseUint(m[1], 16, 64)
			con.End, _ = strconv.ParseUint(m[2], 16, 64)
			// AreaSize is the stride between areas: area_stride=
			// where the kernel prints it (older kernels printed the
			// stride as area_size=)
			stride := m[3]
			if m[4] != "" {
				stride = m[4]
			}
			con.AreaSize, _ = strconv.ParseUint(stride, 10, 64)
			con.Areas, _ = strconv.ParseUint(m[5], 10, 64)

		case onlinePrefix.MatchString(l):
			m := onlineLine.FindStringSubmatch(l)
			if m == nil {
				bad("line %d: malformed online line %q", n, l)
				continue
			}
			id, _ := strconv.Atoi(m[1])
			base, _ := strconv.ParseUint(m[3], 16, 64)
			c := onlineCPU{ID: id, Reg: m[2], Base: base, EL: m[4], Line: n}
			if m[5] != "" {
				c.HWID = m[5] + "=0x" + m[6]
				if m[5] != want.HWID {
					bad("line %d: cpu %d reports hardware id %s, want %s=0x...", n, id, c.HWID, want.HWID)
				}
			}
			online = append(online, c)

		case strings.HasPrefix(l, "PASS"):
			if firstTest == 0 {
				firstTest = n
			}
			m := passLine.FindStringSubmatch(l)
			if m == nil {
				bad("line %d: malformed PASS line %q", n, l)
				continue
			}
			id, _ := strconv.Atoi(m[2])
			pass[id]++
			npass++

		case strings.HasPrefix(l, "FAIL"):
			if firstTest == 0 {
				firstTest = n
			}
			bad("line %d: %s", n, l)

		case strings.HasPrefix(l, bootPrefix):
			if strings.HasPrefix(l, degradedPrefix) {
				con.Degraded = true
			} else {
				problems = append(problems, l)
			}

		case strings.HasPrefix(l, "selftest:"):
			summaries = append(summaries, n)
		}
	}

	// percpu: exactly one, well formed, sane
	switch len(percpuAt) {
	case 0:
		bad("no percpu: header line (starting %q)", headerPrefix)
	case 1:
		con.HavePercpu = percpuLine.MatchString(strings.TrimRight(lines[percpuAt[0]-1], " \t\r"))
	default:
		bad("%d percpu: header lines (lines %v), want exactly one", len(percpuAt), percpuAt)
	}

	if con.HavePercpu {
		switch {
		case con.End <= con.Start:
			bad("percpu: _percpu_end=%#x is not above _percpu_start=%#x", con.End, con.Start)
			con.HavePercpu = false
		case con.AreaSize == 0 || con.AreaSize%linker.AreaAlign != 0:
			bad("percpu: area_size=%d is not a positive multiple of %d (it is the stride between areas)", con.AreaSize, linker.AreaAlign)
			con.HavePercpu = false
		case con.Areas < uint64(want.SMP):
			bad("percpu: areas=%d, fewer than the %d CPUs started", con.Areas, want.SMP)
		}
	}

	// online lines: one per CPU, with the target's register and EL, and
	// bases that match the layout printed in the percpu: line; a degraded
	// kernel may run fewer CPUs, CPU 0 among them, and names the others
	// in boot: lines
	why := ""
	if len(problems) > 0 {
		why = ": " + strings.Join(problems, "; ")
	}
	switch {
	case !con.Degraded && len(online) != want.SMP:
		bad("%d `cpu <id> online` lines, want %d (SMP=%d)%s", len(online), want.SMP, want.SMP, why)
	case con.Degraded && len(online) == 0:
		bad("degraded boot with no `cpu <id> online` line, want at least cpu 0")
	case con.Degraded && len(online) < want.SMP && len(problems) == 0:
		bad("degraded boot with %d of %d CPUs online and no boot: line naming the others", len(online), want.SMP)
	}

	seen := map[int]int{}     // id -> line
	hwids := map[string]int{} // hardware id -> id
	bases := map[uint64]int{} // base -> id
	wantEL := ""
	if want.EL != 0 {
		wantEL = strconv.Itoa(want.EL)
	}

	for _, c := range online {
		if c.ID >= want.SMP {
			bad("line %d: cpu %d online, but only CPUs 0..%d were started", c.Line, c.ID, want.SMP-1)
		}
		if prev, dup := seen[c.ID]; dup {
			bad("line %d: cpu %d online twice (first on line %d)", c.Line, c.ID, prev)
		}
		seen[c.ID] = c.Line

		if other, dup := hwids[c.HWID]; dup && c.HWID != "" && other != c.ID {
			bad("line %d: cpu %d has hardware id %s, same as cpu %d", c.Line, c.ID, c.HWID, other)
		}
		hwids[c.HWID] = c.ID

		if c.Reg != want.Reg {
			bad("line %d: cpu %d reports register %s, want %s", c.Line, c.ID, c.Reg, want.Reg)
		}
		if c.EL != wantEL {
			switch {
			case wantEL == "":
				bad("line %d: cpu %d reports el=%s, want no el= field", c.Line, c.ID, c.EL)
			case c.EL == "":
				bad("line %d: cpu %d reports no el= field, want el=%s", c.Line, c.ID, wantEL)
			default:
				bad("line %d: cpu %d reports el=%s, want el=%s", c.Line, c.ID, c.EL, wantEL)
			}
		}

		if other, dup := bases[c.Base]; dup && other != c.ID {
			bad("line %d: cpu %d has base %#x, same as cpu %d", c.Line, c.ID, c.Base, other)
		}
		bases[c.Base] = c.ID

		if !con.HavePercpu {
			continue
		}

		if c.Base < con.Start || c.Base+con.AreaSize > con.End {
			bad("line %d: cpu %d area [%#x, %#x) is not inside the region [%#x, %#x)",
				c.Line, c.ID, c.Base, c.Base+con.AreaSize, con.Start, con.End)
		}
		if want := alignUp(con.Start, linker.AreaAlign) + uint64(c.ID)*con.AreaSize; c.Base != want {
			bad("line %d: cpu %d base %#x, want alignUp(_percpu_start, %d) + %d*area_size = %#x",
				c.Line, c.ID, c.Base, linker.AreaAlign, c.ID, want)
		}
	}

	// order: percpu line, then the online lines, then the tests
	for _, c := range online {
		if len(percpuAt) > 0 && c.Line < percpuAt[0] {
			bad("line %d: cpu %d online before the percpu: line (line %d)", c.Line, c.ID, percpuAt[0])
		}
		if firstTest != 0 && c.Line > firstTest {
			bad("line %d: cpu %d online after the self-tests started (line %d)", c.Line, c.ID, firstTest)
		}
	}

	if con.Degraded {
		if _, ok := seen[0]; !ok && len(online) > 0 {
			bad("degraded boot without cpu 0 online")
		}
	}

	// tests: at least one PASS per online CPU, and none for a CPU that is
	// not online (every CPU started, unless the boot is degraded)
	var nopass []string
	for id := 0; id < want.SMP; id++ {
		if _, ok := seen[id]; (ok || !con.Degraded) && pass[id] == 0 {
			nopass = append(nopass, strconv.Itoa(id))
		}
	}
	if len(nopass) > 0 {
		bad("no PASS line for cpu %s", strings.Join(nopass, ", "))
	}

	for _, id := range slices.Sorted(maps.Keys(pass)) {
		switch _, ok := seen[id]; {
		case id >= want.SMP:
			bad("PASS for cpu=%d, but only CPUs 0..%d were started", id, want.SMP-1)
		case !ok && con.Degraded:
			bad("PASS for cpu=%d, which is not online", id)
		}
	}

	// summary: one, last, consistent
	switch {
	case len(summaries) == 0:
		bad("no `selftest: N passed, M failed` line")
	case len(summaries) > 1:
		bad("%d selftest: lines (lines %v), want exactly one", len(summaries), summaries)
	}

	if last == 0 {
		bad("no output")
		return
	}

	l := strings.TrimRight(lines[last-1], " \t\r")
	m := summaryLine.FindStringSubmatch(l)
	if m == nil {
		bad("last line %q is not `selftest: N passed, 0 failed`", l)
		return
	}

	passed, _ := strconv.Atoi(m[1])
	failed, _ := strconv.Atoi(m[2])

	if failed != 0 {
		bad("selftest: %d failed", failed)
	}
	if passed != npass {
		bad("selftest: %d passed, but %d PASS lines were printed", passed, npass)
	}

	return
}

// checkBoot checks a finished boot: the console contract and a kernel exit
// code of 0.
func checkBoot(res *result, runErr error, want expect) (console, []error) {
	con, errs := checkConsole(res.Lines, want)

	switch {
	case runErr != nil:
		errs = append(errs, runErr)
	case res.Code != 0:
		errs = append(errs, fmt.Errorf("kernel exit code %d, want 0", res.Code))
	}

	return con, errs
}
