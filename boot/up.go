// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package boot

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/tamago-smp/kernel/linker"
	"github.com/tamago-smp/kernel/percpu"
)

// ErrContract is wrapped by the error of [Up] when what the online CPUs
// read on themselves breaks the output contract: a register that is not the
// CPU's own area base, two CPUs with one register or one hardware id, CPUs
// that disagree on their note.
var ErrContract = errors.New("boot: the online CPUs break the output contract")

// onlineTimeout bounds the wait of [Up] for every online CPU to read its
// register.
const onlineTimeout = 30 * time.Second

// Up is the prologue of a kernel built from this template, in one call from
// main, where CPU 0 runs alone with its per-CPU register on area 0 and every
// per-CPU variable is defined (package initialization is over):
//
//	report, err := boot.Up(os.Stdout, boot.Options{})
//
// It initializes the per-CPU areas over the linker region
// ([percpu.InitInPlace]), unless main initialized them itself (at a base of
// its own, [percpu.Init], with CPU 0's register on area 0), runs
// o.BeforeStart, brings up the other CPUs ([Start]) and writes the lines of
// the output contract to w:
//
//	percpu: _percpu_start=0x<start> _percpu_end=0x<end> area_size=<bytes> area_stride=<bytes> areas=<n>
//	boot: <problem>                                   one per CPU described but not online
//	cpu <id> online: <register>=0x<base> [<note>=<n>] [<hwid-name>=0x<hwid>]   one per online CPU
//
// (the first line reads `percpu: base=0x<base> area_size=...` for areas
// outside the linker region). Each online line is read on that CPU itself:
// its register, and the port's note ([Noter]).
//
// Up asserts what the lines promise, and fails with an error wrapping
// [ErrContract], after a `boot: ` line per violation, unless:
//
//   - the areas hold every CPU online, their stride is a positive multiple
//     of [linker.AreaAlign] and at least the area size; in the linker
//     region, area 0 is _percpu_start rounded up to linker.AreaAlign and the
//     last area ends by _percpu_end;
//   - the online set starts with CPU 0 and increases strictly, within the
//     areas;
//   - each online CPU read its register, equal to its own area base
//     ([percpu.AreaBase]), and no two CPUs read the same register;
//   - every online CPU reads the note CPU 0 reads (arm64: one exception
//     level, the one of the register in use: el=2 with tpidr_el2);
//   - the hardware ids of the online CPUs are distinct and map back to
//     their logical ids ([HWID], [LogicalID]);
//   - a CPU described but not online is named by a `boot: ` line.
//
// Up writes every error it returns to w, as its last line. On an error that
// stops the boot (the areas cannot be initialized, Start fails before any
// CPU starts) it returns the zero Report. Otherwise it returns Start's
// report, the online CPUs running, and an error when a CPU is missing
// ([ErrCPUsMissing], unless the boot runs degraded), did not read its
// register in time, or the contract is broken: the kernel can still run its
// checks on report.Online, and exits non-zero ([Tally.Done]).
func Up(w io.Writer, o Options) (Report, error) {
	if percpu.AreaNum() == 0 {
		if _, err := percpu.InitInPlace(); err != nil {
			fmt.Fprintln(w, err) // the library's errors name the package
			return Report{}, err
		}
	}

	start, end := linker.Region()
	l := areaLayout{
		base: percpu.AreaBase(0), size: percpu.AreaSize(), stride: percpu.AreaStride(), num: percpu.AreaNum(),
		start: start, end: end,
	}
	fmt.Fprintln(w, l)

	var violations []string
	violations = append(violations, l.check()...)

	if o.BeforeStart != nil {
		o.BeforeStart()
	}

	r, err := Start(o)
	if err != nil && err != ErrCPUsMissing {
		for _, p := range r.Problems {
			fmt.Fprintln(w, "boot:", p)
		}
		fmt.Fprintln(w, err)
		return Report{}, err
	}

	reads, perr := printOnline(w, r, onlineTimeout)
	if err == nil {
		err = perr
	}

	violations = append(violations, checkOnline(r, reads, l.num)...)
	for _, v := range violations {
		fmt.Fprintln(w, "boot:", v)
	}

	if len(violations) > 0 {
		err = errors.Join(ErrContract, err)
	}
	if err != nil {
		fmt.Fprintln(w, err)
	}

	return r, err
}

// areaLayout is what the `percpu:` line says about the areas.
type areaLayout struct {
	base, size, stride uintptr
	num                int
	start, end         uintptr // the linker region
}

// inRegion tells whether the areas are in the linker region.
func (l areaLayout) inRegion() bool {
	return l.base >= l.start && l.base < l.end
}

// String is the `percpu:` line.
func (l areaLayout) String() string {
	where := fmt.Sprintf("base=%#x", l.base)
	if l.inRegion() {
		where = fmt.Sprintf("_percpu_start=%#x _percpu_end=%#x", l.start, l.end)
	}
	return fmt.Sprintf("percpu: %s area_size=%d area_stride=%d areas=%d", where, l.size, l.stride, l.num)
}

// check returns what is wrong with the layout.
func (l areaLayout) check() (bad []string) {
	if l.stride == 0 || l.stride%linker.AreaAlign != 0 || l.stride < l.size {
		bad = append(bad, fmt.Sprintf("area stride %d is not a positive multiple of %d at least the area size %d", l.stride, linker.AreaAlign, l.size))
	}
	if l.num < 1 {
		bad = append(bad, fmt.Sprintf("%d areas, want at least 1", l.num))
	}
	if !l.inRegion() {
		return
	}

	if want := linker.FirstArea(l.start); l.base != want {
		bad = append(bad, fmt.Sprintf("area 0 at %#x, want _percpu_start=%#x rounded up to %d: %#x", l.base, l.start, linker.AreaAlign, want))
	}
	if last := l.base + uintptr(l.num)*l.stride; last > l.end {
		bad = append(bad, fmt.Sprintf("%d areas of %d bytes from %#x end at %#x, past _percpu_end=%#x", l.num, l.stride, l.base, last, l.end))
	}

	return
}

// cpuRead is what one CPU read on itself for its online line.
type cpuRead struct {
	ok       bool // it read in time
	reg      uintptr
	noteName string
	note     uint64
}

// printOnline prints the `boot: ` lines of r's problems and one online line
// per CPU of r.Online, each read on that CPU (see [Up]), and returns the
// reads. A CPU that does not read within timeout gets a `boot: ` line
// instead, and printOnline returns the error of [OnEachCPU].
func printOnline(w io.Writer, r Report, timeout time.Duration) ([]cpuRead, error) {
	for _, p := range r.Problems {
		fmt.Fprintln(w, "boot:", p)
	}

	var reads [MaxCPUs]cpuRead
	noter, _ := port.(Noter)
	_, describes := port.(Describer)

	err := OnEachCPU(r.Online, timeout, func(cpu int) {
		c := &reads[cpu]
		c.reg = percpu.ReadReg()
		if noter != nil {
			c.noteName, c.note = noter.CPUNote()
		}
		c.ok = true
	})

	if _, ok := err.(*EachError); err != nil && !ok {
		return reads[:], err
	}

	for _, cpu := range r.Online {
		c := reads[cpu]
		hw, _ := HWID(cpu)

		if !c.ok {
			fmt.Fprintf(w, "boot: cpu %d (%s=%#x) is online but did not read its register within %v\n", cpu, HWIDName(), hw, timeout)
			continue
		}

		fmt.Fprintf(w, "cpu %d online: %s=%#x", cpu, percpu.RegName(), c.reg)
		if c.noteName != "" {
			fmt.Fprintf(w, " %s=%d", c.noteName, c.note)
		}
		if describes {
			fmt.Fprintf(w, " %s=%#x", HWIDName(), hw)
		}
		fmt.Fprintln(w)
	}

	return reads[:], err
}

// checkOnline returns how the online CPUs of r, with what they read on
// themselves, break the contract [Up] asserts; areas is the number of
// per-CPU areas.
func checkOnline(r Report, reads []cpuRead, areas int) (bad []string) {
	on := r.Online

	switch {
	case len(on) == 0 || on[0] != 0:
		bad = append(bad, fmt.Sprintf("online set %v does not start with cpu 0", on))
	case len(on) > areas:
		bad = append(bad, fmt.Sprintf("%d CPUs online, only %d per-CPU areas", len(on), areas))
	}

	regs := map[uintptr]int{}
	hwids := map[uint64]int{}
	var note0 *cpuRead

	for i, cpu := range on {
		if i > 0 && cpu <= on[i-1] {
			bad = append(bad, fmt.Sprintf("online set %v is not strictly increasing at cpu %d", on, cpu))
		}
		if cpu < 0 || cpu >= areas || cpu >= len(reads) {
			bad = append(bad, fmt.Sprintf("cpu %d online, outside the %d per-CPU areas", cpu, areas))
			continue
		}

		if hw, ok := HWID(cpu); ok {
			if other, dup := hwids[hw]; dup {
				bad = append(bad, fmt.Sprintf("cpu %d has hardware id %s=%#x, as cpu %d has", cpu, HWIDName(), hw, other))
			}
			hwids[hw] = cpu
			if back, ok := LogicalID(hw); !ok || back != cpu {
				bad = append(bad, fmt.Sprintf("cpu %d: hardware id %s=%#x maps back to cpu %d", cpu, HWIDName(), hw, back))
			}
		}

		c := &reads[cpu]
		if !c.ok {
			continue // printOnline named it and failed
		}

		if want := percpu.AreaBase(cpu); c.reg != want {
			bad = append(bad, fmt.Sprintf("cpu %d: %s=%#x, want its own area base %#x", cpu, percpu.RegName(), c.reg, want))
		}
		if other, dup := regs[c.reg]; dup {
			bad = append(bad, fmt.Sprintf("cpu %d: %s=%#x, the register of cpu %d too", cpu, percpu.RegName(), c.reg, other))
		}
		regs[c.reg] = cpu

		if el, ok := strings.CutPrefix(percpu.RegName(), "tpidr_el"); ok && c.noteName == "el" && el != fmt.Sprint(c.note) {
			bad = append(bad, fmt.Sprintf("cpu %d runs at el=%d but uses %s", cpu, c.note, percpu.RegName()))
		}
		if note0 == nil {
			note0 = c
		} else if c.noteName != note0.noteName || c.note != note0.note {
			bad = append(bad, fmt.Sprintf("cpu %d reads %s=%d, cpu %d reads %s=%d", cpu, c.noteName, c.note, on[0], note0.noteName, note0.note))
		}
	}

	if len(on) < r.Present && len(r.Problems) == 0 {
		bad = append(bad, fmt.Sprintf("%d of %d CPUs described are online, and no boot: line names the others", len(on), r.Present))
	}

	return
}

// Tally runs a kernel's checks on the online CPUs and prints their results
// as the output contract has them, one line per check and CPU, then the
// summary line ([Tally.Done]):
//
//	PASS <check> cpu=<id>
//	FAIL <check> cpu=<id>: <what was expected, what was seen>
//	selftest: <passed> passed, <failed> failed
type Tally struct {
	w      io.Writer
	online []int

	passed, failed int
	passes         [MaxCPUs]int
}

// NewTally returns a Tally that writes to w and checks the CPUs of online
// (report.Online of [Up]).
func NewTally(w io.Writer, online []int) *Tally {
	return &Tally{w: w, online: online}
}

// Writer returns the writer of t, for lines other than results.
func (t *Tally) Writer() io.Writer {
	return t.w
}

// Online returns the CPUs t checks.
func (t *Tally) Online() []int {
	return t.online
}

// Result records and prints the result of check name on CPU cpu: PASS if
// err is nil and cpu is one of the CPUs t checks, FAIL otherwise.
func (t *Tally) Result(name string, cpu int, err error) {
	if err == nil && !slices.Contains(t.online, cpu) {
		err = fmt.Errorf("cpu %d is not online (online: %v)", cpu, t.online)
	}
	if err != nil {
		fmt.Fprintf(t.w, "FAIL %s cpu=%d: %v\n", name, cpu, err)
		t.failed++
		return
	}

	fmt.Fprintf(t.w, "PASS %s cpu=%d\n", name, cpu)
	t.passed++
	if cpu >= 0 && cpu < MaxCPUs {
		t.passes[cpu]++
	}
}

// OnEachCPU runs f on every CPU t checks, at once, pinned, as [OnEachCPU]
// does (f must not block, nor call fmt: build its error with [Errorf]), and
// records one result per CPU: f's error, or
// that f did not start or return on that CPU within timeout. With no CPU to
// check (the boot stopped) it does nothing.
func (t *Tally) OnEachCPU(name string, timeout time.Duration, f func(cpu int) error) {
	if len(t.online) == 0 {
		return // the boot stopped: no CPU to check (Done fails it)
	}

	errs := make([]error, MaxCPUs)

	err := OnEachCPU(t.online, timeout, func(cpu int) { errs[cpu] = f(cpu) })

	if e, ok := err.(*EachError); ok {
		for _, cpu := range e.NotStarted {
			errs[cpu] = fmt.Errorf("did not start on this CPU within %v", timeout)
		}
		for _, cpu := range e.NotReturned {
			errs[cpu] = fmt.Errorf("did not return on this CPU within %v", timeout)
		}
	} else if err != nil {
		t.Result(name, 0, err)
		return
	}

	for _, cpu := range t.online {
		t.Result(name, cpu, errs[cpu])
	}
}

// Counts returns the results recorded so far.
func (t *Tally) Counts() (passed, failed int) {
	return t.passed, t.failed
}

// Done ends the checks: a CPU of t's online set where no check passed gets
// a FAIL line (every online CPU must prove itself), then Done prints the
// summary line and returns the exit status, 0 only if no check failed and
// err (the error of [Up]) is nil. A non-nil err is one more FAIL line, so
// that the summary of a failed boot never reads "0 failed": "online-lines"
// for a broken contract ([ErrContract]), "boot" otherwise (a CPU that did
// not come online in a strict boot, areas that do not fit, ...), with the
// error, which the boot: lines above detail.
func (t *Tally) Done(err error) int {
	for _, cpu := range t.online {
		if cpu >= 0 && cpu < MaxCPUs && t.passes[cpu] == 0 {
			t.Result("every-cpu", cpu, fmt.Errorf("no check passed on cpu %d", cpu))
		}
	}

	switch {
	case err == nil:
	case errors.Is(err, ErrContract):
		t.Result("online-lines", 0, errors.New("the boot: lines above name what breaks the output contract"))
	default:
		t.Result("boot", 0, err)
	}

	fmt.Fprintf(t.w, "selftest: %d passed, %d failed\n", t.passed, t.failed)

	if t.failed != 0 || err != nil {
		return 1
	}
	return 0
}
