// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The bench command measures per-CPU access against the alternatives, side
// by side, on the host and in a kernel on every target:
//
//   - host: the BenchmarkOps benchmarks of package percpu (go test -bench),
//     threads locked to their OS thread as CPUs, 1 and all of them;
//   - each target: the kernel in kernel/bench, built as
//     build/<target>/bench.elf and booted twice, with -smp 1 for the 1-CPU
//     figures (no idle CPU competes for the host) and with -smp n for the
//     all-CPU figures.
//
// It prints one line per measurement,
//
//	bench: <where> <op> cpus=<n> ns/op=<x>
//
// then a table with the ratios to plain (1 CPU) and to atomic (same CPU
// count), and the targets of the benchmark, met or missed.

// benchWheres are the targets bench boots by default, in table order.
var benchWheres = []string{"x86_64", "aarch64-el2", "riscv64"}

// benchOpNames are the operations, in table order.
var benchOpNames = []string{"plain", "percpu", "percpu-dyn", "percpu-raw", "atomic", "mutex", "perp", "counter", "counter-sum", "alloc-free"}

// A measurement is one bench: line.
type measurement struct {
	Where string
	Op    string
	CPUs  int
	NsOp  float64
}

// floorOp is the Op of a floor: line: one assembly call doing only the
// register-relative add, the floor of a per-CPU add from Go.
const floorOp = "floor"

func (m measurement) String() string {
	if m.Op == floorOp {
		return fmt.Sprintf("floor: %s cpus=%d ns/op=%s", m.Where, m.CPUs, formatNs(m.NsOp))
	}
	return fmt.Sprintf("bench: %s %s cpus=%d ns/op=%s", m.Where, m.Op, m.CPUs, formatNs(m.NsOp))
}

// formatNs prints a ns/op figure with three decimals, as the kernel does.
func formatNs(ns float64) string {
	return strconv.FormatFloat(ns, 'f', 3, 64)
}

var (
	benchLine     = regexp.MustCompile(`^bench: (\S+) (\S+) cpus=([0-9]+) ns/op=([0-9]+(?:\.[0-9]+)?)$`)
	floorLine     = regexp.MustCompile(`^floor: (\S+) cpus=([0-9]+) ns/op=([0-9]+(?:\.[0-9]+)?)$`)
	benchDoneLine = regexp.MustCompile(`^benchmarks: ([0-9]+) measured, ([0-9]+) failed$`)
	hostBenchLine = regexp.MustCompile(`^BenchmarkOps/([a-z-]+)/cpus=([0-9]+)(?:-[0-9]+)?\s+[0-9]+\s+([0-9.]+) ns/op`)
)

// parseKernelBench returns the measurements a bench kernel printed on its
// console for target where (its bench: lines, then its floor: lines, with Op
// floorOp), and an error if a line is malformed, names another target or an
// unknown operation, or if the kernel did not end with
// `benchmarks: N measured, 0 failed` and N bench: lines.
func parseKernelBench(lines []string, where string) ([]measurement, error) {
	var (
		ms     []measurement
		floors []measurement
		errs   []error
		fails  []string
		done   []string
	)

	for i, l := range lines {
		l = strings.TrimRight(l, " \t\r")

		switch {
		case strings.HasPrefix(l, "bench:"):
			m, err := parseBenchLine(l)
			if err != nil {
				errs = append(errs, fmt.Errorf("line %d: %v", i+1, err))
				continue
			}
			if m.Where != where {
				errs = append(errs, fmt.Errorf("line %d: measurement for %s, booted %s: %q", i+1, m.Where, where, l))
				continue
			}
			ms = append(ms, m)
		case strings.HasPrefix(l, "floor:"):
			f := floorLine.FindStringSubmatch(l)
			if f == nil {
				errs = append(errs, fmt.Errorf("line %d: malformed floor line %q, want `floor: <where> cpus=<n> ns/op=<x>`", i+1, l))
				continue
			}
			cpus, _ := strconv.Atoi(f[2])
			ns, _ := strconv.ParseFloat(f[3], 64)
			if f[1] != where || cpus < 1 {
				errs = append(errs, fmt.Errorf("line %d: floor line for %s cpus=%d, booted %s: %q", i+1, f[1], cpus, where, l))
				continue
			}
			floors = append(floors, measurement{Where: f[1], Op: floorOp, CPUs: cpus, NsOp: ns})
		case strings.HasPrefix(l, "FAIL"):
			fails = append(fails, l)
		case benchDoneLine.MatchString(l):
			done = benchDoneLine.FindStringSubmatch(l)
		}
	}

	for _, f := range fails {
		errs = append(errs, errors.New(f))
	}

	switch {
	case done == nil:
		errs = append(errs, errors.New("no `benchmarks: N measured, M failed` line"))
	case done[2] != "0":
		errs = append(errs, fmt.Errorf("the kernel reports %s failed measurements", done[2]))
	case done[1] != strconv.Itoa(len(ms)):
		errs = append(errs, fmt.Errorf("the kernel reports %s measurements, %d bench: lines seen", done[1], len(ms)))
	}

	return append(ms, floors...), errors.Join(errs...)
}

// parseBenchLine parses one `bench:` line.
func parseBenchLine(l string) (measurement, error) {
	f := benchLine.FindStringSubmatch(l)
	if f == nil {
		return measurement{}, fmt.Errorf("malformed bench line %q, want `bench: <where> <op> cpus=<n> ns/op=<x>`", l)
	}

	if !slices.Contains(benchOpNames, f[2]) {
		return measurement{}, fmt.Errorf("unknown operation %q in %q (operations: %s)", f[2], l, strings.Join(benchOpNames, ", "))
	}

	cpus, err := strconv.Atoi(f[3])
	if err != nil || cpus < 1 {
		return measurement{}, fmt.Errorf("bad CPU count in %q", l)
	}

	ns, err := strconv.ParseFloat(f[4], 64)
	if err != nil {
		return measurement{}, fmt.Errorf("bad ns/op in %q: %v", l, err)
	}

	return measurement{Where: f[1], Op: f[2], CPUs: cpus, NsOp: ns}, nil
}

// parseHostBench turns the output of `go test -bench ^BenchmarkOps$` into
// host measurements: the median of the runs of each operation and CPU count
// (go test -count n gives n runs).
func parseHostBench(out string) ([]measurement, error) {
	type key struct {
		op   string
		cpus int
	}

	runs := map[key][]float64{}
	var order []key

	for _, l := range strings.Split(out, "\n") {
		f := hostBenchLine.FindStringSubmatch(strings.TrimSpace(l))
		if f == nil {
			continue
		}

		cpus, _ := strconv.Atoi(f[2])
		ns, err := strconv.ParseFloat(f[3], 64)
		if err != nil {
			return nil, fmt.Errorf("bad ns/op in %q: %v", l, err)
		}

		k := key{f[1], cpus}
		if _, seen := runs[k]; !seen {
			order = append(order, k)
		}
		runs[k] = append(runs[k], ns)
	}

	if len(order) == 0 {
		return nil, errors.New("no BenchmarkOps results in the go test output")
	}

	var ms []measurement
	for _, k := range order {
		ms = append(ms, measurement{Where: "host", Op: k.op, CPUs: k.cpus, NsOp: median(runs[k])})
	}

	sortMeasurements(ms, []string{"host"})

	return ms, nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	sort.Float64s(s)

	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// sortMeasurements orders measurements by where (in the order of wheres),
// operation (benchOpNames) and CPU count.
func sortMeasurements(ms []measurement, wheres []string) {
	rank := func(list []string, s string) int {
		if i := slices.Index(list, s); i >= 0 {
			return i
		}
		return len(list)
	}

	slices.SortStableFunc(ms, func(a, b measurement) int {
		if d := rank(wheres, a.Where) - rank(wheres, b.Where); d != 0 {
			return d
		}
		if d := rank(benchOpNames, a.Op) - rank(benchOpNames, b.Op); d != 0 {
			return d
		}
		return a.CPUs - b.CPUs
	})
}

// find returns the measurement of op on where with cpus CPUs.
func find(ms []measurement, where, op string, cpus int) (measurement, bool) {
	for _, m := range ms {
		if m.Where == where && m.Op == op && m.CPUs == cpus {
			return m, true
		}
	}
	return measurement{}, false
}

// maxCPUs returns the largest CPU count measured on where.
func maxCPUs(ms []measurement, where string) int {
	n := 0
	for _, m := range ms {
		if m.Where == where {
			n = max(n, m.CPUs)
		}
	}
	return n
}

// ratio formats a/b, or "-" if b is missing or zero.
func ratio(a float64, b measurement, ok bool) string {
	if !ok || b.NsOp == 0 {
		return "-"
	}
	return strconv.FormatFloat(a/b.NsOp, 'f', 2, 64)
}

// renderBenchTable returns the measurements as a Markdown table with the
// ratio of each to plain with 1 CPU and to atomic with the same CPU count
// (below 1: faster), in the order of wheres, and a row for every where that
// has no measurement, with the reason from unavailable.
func renderBenchTable(ms []measurement, wheres []string, unavailable map[string]string) string {
	var b strings.Builder

	b.WriteString("| where | op | cpus | ns/op | ÷ plain, 1 CPU | ÷ atomic, same cpus |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|\n")

	for _, where := range wheres {
		if why, bad := unavailable[where]; bad {
			fmt.Fprintf(&b, "| %s | unavailable: %s | | | | |\n", where, strings.ReplaceAll(why, "|", "/"))
		}

		plain, okPlain := find(ms, where, "plain", 1)

		for _, m := range ms {
			if m.Where != where || m.Op == floorOp {
				continue
			}
			atomic, okAtomic := find(ms, where, "atomic", m.CPUs)
			fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s |\n",
				m.Where, m.Op, m.CPUs, formatNs(m.NsOp), ratio(m.NsOp, plain, okPlain), ratio(m.NsOp, atomic, okAtomic))
		}
	}

	return b.String()
}

// renderFloorTable returns the floor: measurements next to percpu, as a
// Markdown table, or "" if there are none.
func renderFloorTable(ms []measurement) string {
	var b strings.Builder

	for _, f := range ms {
		if f.Op != floorOp {
			continue
		}

		if b.Len() == 0 {
			b.WriteString("| where | cpus | floor ns/op | percpu ns/op | percpu ÷ floor |\n")
			b.WriteString("|---|---:|---:|---:|---:|\n")
		}

		p, ok := find(ms, f.Where, "percpu", f.CPUs)
		pns := "-"
		if ok {
			pns = formatNs(p.NsOp)
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s |\n", f.Where, f.CPUs, formatNs(f.NsOp), pns, ratio(p.NsOp, f, ok))
	}

	return b.String()
}

// benchTarget is one target of the benchmark: a ratio between two
// measurements on one where that must stay within a bound.
type benchTarget struct {
	Where string
	CPUs  int // 0: all CPUs measured
	What  string
	// Num and Den name the measurements (op, cpus; cpus 0 = all) whose
	// ratio Num/Den must be at most Max (a slowdown bound) or at least
	// Min (a speedup).
	NumOp, DenOp     string
	NumCPUs, DenCPUs int
	Max, Min         float64
}

// benchTargets are the targets of the issue that asked for the benchmark.
var benchTargets = []benchTarget{
	{
		Where: "host", What: "safe per-CPU add, all threads, within 3× of a single-thread plain increment",
		NumOp: "percpu", DenOp: "plain", DenCPUs: 1, Max: 3,
	},
	{
		Where: "host", What: "safe per-CPU add, all threads, at least 5× faster than the shared atomic",
		NumOp: "atomic", DenOp: "percpu", Min: 5,
	},
	{
		Where: "x86_64", What: "in-kernel x86_64 (TCG), 4 CPUs, per-CPU add at least 4× faster than the shared atomic",
		NumOp: "atomic", DenOp: "percpu", NumCPUs: 4, DenCPUs: 4, Min: 4,
	},
	{
		// the same target for the raw tier in a pinned hot loop, to
		// tell the cost of one Go-to-assembly call under TCG apart from
		// the cost of per-CPU data
		Where: "x86_64", What: "in-kernel x86_64 (TCG), 4 CPUs, raw-tier per-CPU add at least 4× faster than the shared atomic",
		NumOp: "atomic", DenOp: "percpu-raw", NumCPUs: 4, DenCPUs: 4, Min: 4,
	},
}

func init() {
	// Add on a variable allocated after Init within 5% of Add on a
	// defined one, on every target, one CPU
	for _, where := range append([]string{"host"}, benchWheres...) {
		benchTargets = append(benchTargets, benchTarget{
			Where: where, What: where + ", 1 CPU, per-CPU add on an allocated variable within 5% of a defined one",
			NumOp: "percpu-dyn", DenOp: "percpu", NumCPUs: 1, DenCPUs: 1, Max: 1.05,
		})
	}
}

// checkTargets reports every target: the ratio measured and met or missed,
// or why it could not be evaluated.
func checkTargets(ms []measurement) string {
	var b strings.Builder

	for _, t := range benchTargets {
		all := maxCPUs(ms, t.Where)
		if all == 0 {
			fmt.Fprintf(&b, "target %s: not measured (no measurements on %s)\n", t.What, t.Where)
			continue
		}

		nc, dc := t.NumCPUs, t.DenCPUs
		if nc == 0 {
			nc = all
		}
		if dc == 0 {
			dc = all
		}

		num, okNum := find(ms, t.Where, t.NumOp, nc)
		den, okDen := find(ms, t.Where, t.DenOp, dc)

		if !okNum || !okDen || den.NsOp == 0 {
			fmt.Fprintf(&b, "target %s: not measured (need %s cpus=%d and %s cpus=%d on %s)\n",
				t.What, t.NumOp, nc, t.DenOp, dc, t.Where)
			continue
		}

		r := num.NsOp / den.NsOp
		met := (t.Max == 0 || r <= t.Max) && (t.Min == 0 || r >= t.Min)
		verdict := "met"
		if !met {
			verdict = "MISSED"
		}

		bound := ""
		switch {
		case t.Max != 0:
			bound = fmt.Sprintf("<= %g", t.Max)
		case t.Min != 0:
			bound = fmt.Sprintf(">= %g", t.Min)
		}

		fmt.Fprintf(&b, "target %s: %s cpus=%d / %s cpus=%d = %s / %s = %.2f (want %s): %s\n",
			t.What, t.NumOp, nc, t.DenOp, dc, formatNs(num.NsOp), formatNs(den.NsOp), r, bound, verdict)
	}

	return b.String()
}

// benchCmd implements `bench`: it returns 1 when a requested target could not
// be measured, after printing everything else.
func benchCmd(args []string) (int, error) {
	fs := flags("bench", "[-target name[,name...|all]] [-smp n] [-host=true] [-benchtime d] [-count n] [-v]")
	list := fs.String("target", strings.Join(benchWheres, ","), "targets to boot, comma separated, all, or none")
	smp := fs.Int("smp", 4, "CPUs of the all-CPU boot (the 1-CPU figures come from a boot with -smp 1)")
	host := fs.Bool("host", true, "run the host benchmarks (go test -bench ^BenchmarkOps$ ./percpu)")
	benchtime := fs.String("benchtime", "300ms", "go test -benchtime of the host benchmarks")
	count := fs.Int("count", 5, "go test -count of the host benchmarks: the median of the runs is reported")
	pkg := fs.String("pkg", "./kernel/bench", "benchmark kernel package")
	timeout := fs.Duration("timeout", 0, "timeout of each boot (default: the target's)")
	verbose := fs.Bool("v", false, "stream the go test output and the kernel consoles to stderr")
	bringup := fs.String("bringup", "1,4,16,64", "CPU counts of the bring-up benchmark (boot.Start to all CPUs online), empty for none")

	if err := parse(fs, args); err != nil {
		return 0, err
	}
	if *count < 1 {
		return 0, fmt.Errorf("bench: -count %d, want at least 1", *count)
	}
	bringupCounts, err := parseCPUList(*bringup)
	if err != nil {
		return 0, err
	}

	var sel []*target
	if *list != "none" {
		var err error
		if sel, err = findTargets(*list); err != nil {
			return 0, err
		}
	}

	for _, t := range sel {
		if err := t.checkSMP(*smp); err != nil {
			return 0, err
		}
	}

	root, err := moduleRoot()
	if err != nil {
		return 0, err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var log io.Writer = io.Discard
	if *verbose {
		log = os.Stderr
	}

	var (
		all         []measurement
		wheres      []string
		unavailable = map[string]string{}
	)

	report := func(where string, ms []measurement, err error) {
		wheres = append(wheres, where)
		for _, m := range ms {
			fmt.Println(m)
		}
		all = append(all, ms...)

		if err != nil {
			unavailable[where] = firstLine(err.Error())
			fmt.Printf("qemu: bench: %s unavailable: %v\n", where, err)
		}
	}

	fmt.Fprintf(os.Stderr, "qemu: bench: host %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())

	if *host {
		fmt.Fprintf(os.Stderr, "qemu: bench: host benchmarks, go test -bench ^BenchmarkOps$ -benchtime %s -count %d ./percpu\n", *benchtime, *count)
		ms, err := runHostBench(ctx, root, *benchtime, *count, log)
		report("host", ms, err)
	}

	if len(sel) > 0 {
		p, err := pkgPath(*pkg)
		if err != nil {
			return 0, err
		}

		c, compilerErr := findCompiler(root, true, os.Stderr)

		for _, t := range sel {
			if ctx.Err() != nil {
				break
			}

			var ms []measurement
			err := compilerErr
			if err == nil {
				ms, err = benchTargetRun(ctx, c, t, p, root, *smp, *timeout, log)
			}
			if err == nil && len(bringupCounts) > 0 {
				err = bringupRun(ctx, c, t, p, root, bringupCounts, *timeout, log)
			}
			report(t.Name, ms, err)
		}
	}

	if ctx.Err() != nil {
		return 1, fmt.Errorf("bench: interrupted")
	}

	fmt.Println()
	fmt.Print(renderBenchTable(all, wheres, unavailable))
	if floors := renderFloorTable(all); floors != "" {
		fmt.Println()
		fmt.Print(floors)
	}
	fmt.Println()
	fmt.Print(checkTargets(all))

	if len(unavailable) > 0 {
		names := make([]string, 0, len(unavailable))
		for _, w := range wheres {
			if _, bad := unavailable[w]; bad {
				names = append(names, w)
			}
		}
		return 1, fmt.Errorf("bench: no complete measurements for %s", strings.Join(names, ", "))
	}

	return 0, nil
}

// firstLine returns the first line of s.
func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// runHostBench runs the host benchmarks in the module root and returns their
// measurements.
func runHostBench(ctx context.Context, root, benchtime string, count int, log io.Writer) ([]measurement, error) {
	var out bytes.Buffer

	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", "^BenchmarkOps$",
		"-benchtime", benchtime, "-count", strconv.Itoa(count), "./percpu")
	cmd.Dir = root
	cmd.Stdout = io.MultiWriter(&out, log)
	cmd.Stderr = io.MultiWriter(&out, log)

	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go test -bench: %v: %s", err, tail(out.String(), 20))
	}

	return parseHostBench(out.String())
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// tcgPage is the guest page size of TCG on every target (QEMU
// TARGET_PAGE_BITS 12; arm selects 4 KiB pages for the cortex-a72).
const tcgPage = 4096

// hotCode matches the ELF symbols of the code a benchmark loop runs: the
// loops of the operations (internal/benchops, benchops.<op>Loop) and the
// floor loop of the benchmark kernel (main.floorLoop), and the per-CPU
// leaves and floor functions they call.
var hotCode = regexp.MustCompile(`^(github\.com/tamago-smp/kernel/internal/benchops\.[a-zA-Z]+Loop|main\.floorLoop|main\.floorAdd(EL[12])?\.abi0|github\.com/tamago-smp/kernel/percpu\.this_cpu_[a-z0-9_]+\.abi0)$`)

// pageCrossings returns one line per hot function of the ELF that crosses a
// tcgPage boundary. Under TCG a translation block ends at a page boundary
// and a jump from one page to another is not chained (it looks the target
// up in a hash table), so a loop that crosses a page pays that lookup on
// every iteration: its figure measures the layout, not the code.
func pageCrossings(path string) ([]string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()

	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}

	return crossings(syms), nil
}

// crossings returns one line per hot function of syms that crosses a
// tcgPage boundary, sorted, and one if the floor loop calls a floor
// function on its own page: TCG chains that call, which it never does for
// the calls of percpu's leaves (another package, far away), so the floor
// would be cheaper for a reason that is not its code.
func crossings(syms []elf.Symbol) []string {
	var (
		out         []string
		floorLoop   = map[uint64]bool{}
		floorLeaves []elf.Symbol
	)

	for _, s := range syms {
		if elf.ST_TYPE(s.Info) != elf.STT_FUNC || s.Size == 0 || !hotCode.MatchString(s.Name) {
			continue
		}

		if s.Name == "main.floorLoop" {
			for p := s.Value / tcgPage; p <= (s.Value+s.Size-1)/tcgPage; p++ {
				floorLoop[p] = true
			}
		}
		if strings.HasPrefix(s.Name, "main.floorAdd") {
			floorLeaves = append(floorLeaves, s)
		}

		end := s.Value + s.Size
		if boundary := (s.Value/tcgPage + 1) * tcgPage; boundary < end {
			out = append(out, fmt.Sprintf("%s [%#x, %#x) crosses the page boundary %#x", s.Name, s.Value, end, boundary))
		}
	}

	for _, s := range floorLeaves {
		if floorLoop[s.Value/tcgPage] {
			out = append(out, fmt.Sprintf("%s at %#x is on a page of main.floorLoop, which calls it", s.Name, s.Value))
		}
	}

	sort.Strings(out)

	return out
}

// benchTargetRun builds the benchmark kernel for t and boots it with 1 and
// with smp CPUs. It returns the cpus=1 measurements of the first boot and the
// cpus=smp measurements of the second.
func benchTargetRun(ctx context.Context, c *compiler, t *target, pkg, root string, smp int, timeout time.Duration, log io.Writer) ([]measurement, error) {
	if err := ensureQEMU(t, os.Stderr); err != nil {
		return nil, err
	}

	if v, err := exec.Command(t.QEMU, "--version").Output(); err == nil {
		fmt.Fprintf(os.Stderr, "qemu: bench: %s: %s\n", t.Name, firstLine(string(v)))
	}

	elf := filepath.Join(root, "build", t.Name, "bench.elf")
	if err := c.build(t, pkg, elf, os.Stderr); err != nil {
		return nil, err
	}

	crossings, err := pageCrossings(elf)
	if err != nil {
		return nil, err
	}
	for _, c := range crossings {
		fmt.Printf("qemu: bench: %s: warning: %s: under TCG this changes what an iteration costs, the figures depend on the layout\n", t.Name, c)
	}

	counts := []int{1}
	if smp > 1 {
		counts = append(counts, smp)
	}

	var ms []measurement

	for _, n := range counts {
		b := &boot{Target: t, SMP: n, ELF: elf, Timeout: timeout, Console: log, Stderr: log}
		if b.Timeout == 0 {
			b.Timeout = t.Timeout(n)
		}

		fmt.Fprintf(os.Stderr, "qemu: bench: %s SMP=%d, timeout %v: %s %s\n", t.Name, n, b.Timeout, t.QEMU, quoteArgs(b.args()))

		start := time.Now()
		res, err := b.run(ctx)
		if err == nil && res.Code != 0 {
			err = fmt.Errorf("%s SMP=%d: kernel exit code %d, want 0; last line: %q", t.Name, n, res.Code, res.Last)
		}

		got, perr := parseKernelBench(res.Lines, t.Name)
		if err == nil && perr != nil {
			err = fmt.Errorf("%s SMP=%d: %v", t.Name, n, perr)
		}
		if err != nil {
			return ms, fmt.Errorf("%v\n%s", err, tail(strings.Join(res.Lines, "\n"), 10))
		}

		fmt.Fprintf(os.Stderr, "qemu: bench: %s SMP=%d done in %v\n", t.Name, n, time.Since(start).Round(time.Millisecond))

		kept := 0
		for _, m := range got {
			if m.CPUs != n {
				continue
			}
			ms = append(ms, m)
			if m.Op != floorOp {
				kept++
			}
		}
		if kept != len(benchOpNames) {
			return ms, fmt.Errorf("%s SMP=%d: %d measurements with cpus=%d, want one per operation (%s)",
				t.Name, n, kept, n, strings.Join(benchOpNames, ", "))
		}
	}

	sortMeasurements(ms, []string{t.Name})

	return ms, nil
}
