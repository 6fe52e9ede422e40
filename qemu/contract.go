// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/tamago-smp/kernel/linker"
)

// The output contract, as the kernel prints it on its serial console
// (DESIGN.md section 5), in this order:
//
//	percpu: _percpu_start=0x... _percpu_end=0x... area_size=<bytes> areas=<n>
//	cpu <id> online: <register>=0x<base> [el=<n>]    one line per CPU, any order
//	PASS <test> cpu=<id>                             one line per test per CPU
//	FAIL <test> cpu=<id>: <expected, seen>
//	selftest: <N> passed, <M> failed                 last line
//
// Other lines (runtime or board messages) are allowed anywhere but at the end.
var (
	percpuLine  = regexp.MustCompile(`^percpu: _percpu_start=0x([0-9a-fA-F]+) _percpu_end=0x([0-9a-fA-F]+) area_size=([0-9]+) areas=([0-9]+)$`)
	onlineLine  = regexp.MustCompile(`^cpu ([0-9]+) online: ([a-z0-9_]+)=0x([0-9a-fA-F]+)(?: el=([0-9]+))?$`)
	passLine    = regexp.MustCompile(`^PASS (\S+) cpu=([0-9]+)$`)
	summaryLine = regexp.MustCompile(`^selftest: ([0-9]+) passed, ([0-9]+) failed$`)

	// prefixes that claim a line is part of the contract
	onlinePrefix = regexp.MustCompile(`^cpu [0-9]+ online`)
)

// expect is what a boot must show.
type expect struct {
	SMP int    // CPUs started with -smp
	Reg string // register name in the online lines
	EL  int    // el= value in the online lines, 0 for none
}

// expectFor returns what target t must show with smp CPUs.
func expectFor(t *target, smp int) expect {
	return expect{SMP: smp, Reg: t.Reg, EL: t.EL}
}

// console is the parsed contract part of a console.
type console struct {
	// HavePercpu tells whether exactly one valid percpu: line was seen;
	// Start, End, AreaSize and Areas are its fields.
	HavePercpu bool
	Start, End uint64
	AreaSize   uint64
	Areas      uint64
}

// onlineCPU is one `cpu <id> online:` line.
type onlineCPU struct {
	ID   int
	Reg  string
	Base uint64
	EL   string // "" when absent
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
		last      int // line number of the last non-empty line
	)

	for i, l := range lines {
		n := i + 1
		l = strings.TrimRight(l, " \t\r")

		if l != "" {
			last = n
		}

		switch {
		case strings.HasPrefix(l, "percpu:"):
			percpuAt = append(percpuAt, n)
			m := percpuLine.FindStringSubmatch(l)
			if m == nil {
				bad("line %d: malformed percpu line %q", n, l)
				continue
			}
			con.Start, _ = strconv.ParseUint(m[1], 16, 64)
			con.End, _ = strconv.ParseUint(m[2], 16, 64)
			con.AreaSize, _ = strconv.ParseUint(m[3], 10, 64)
			con.Areas, _ = strconv.ParseUint(m[4], 10, 64)

		case onlinePrefix.MatchString(l):
			m := onlineLine.FindStringSubmatch(l)
			if m == nil {
				bad("line %d: malformed online line %q", n, l)
				continue
			}
			id, _ := strconv.Atoi(m[1])
			base, _ := strconv.ParseUint(m[3], 16, 64)
			online = append(online, onlineCPU{ID: id, Reg: m[2], Base: base, EL: m[4], Line: n})

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
			if id >= want.SMP {
				bad("line %d: PASS for cpu=%d, but only CPUs 0..%d were started: %q", n, id, want.SMP-1, l)
			}
			pass[id]++
			npass++

		case strings.HasPrefix(l, "FAIL"):
			if firstTest == 0 {
				firstTest = n
			}
			bad("line %d: %s", n, l)

		case strings.HasPrefix(l, "selftest:"):
			summaries = append(summaries, n)
		}
	}

	// percpu: exactly one, well formed, sane
	switch len(percpuAt) {
	case 0:
		bad("no percpu: line")
	case 1:
		con.HavePercpu = percpuLine.MatchString(strings.TrimRight(lines[percpuAt[0]-1], " \t\r"))
	default:
		bad("%d percpu: lines (lines %v), want exactly one", len(percpuAt), percpuAt)
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
	// bases that match the layout printed in the percpu: line
	if len(online) != want.SMP {
		bad("%d `cpu <id> online` lines, want %d (SMP=%d)", len(online), want.SMP, want.SMP)
	}

	seen := map[int]int{}     // id -> line
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

	// tests: at least one PASS per CPU
	var nopass []string
	for id := 0; id < want.SMP; id++ {
		if pass[id] == 0 {
			nopass = append(nopass, strconv.Itoa(id))
		}
	}
	if len(nopass) > 0 {
		bad("no PASS line for cpu %s", strings.Join(nopass, ", "))
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
