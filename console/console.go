// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Package console prints and checks the output contract of the kernels of
// this template (the demo kernel, the examples, the bench kernel), which the
// qemu harness and README.md rely on:
//
//	percpu: _percpu_start=0x<start> _percpu_end=0x<end> area_size=<bytes> area_stride=<bytes> areas=<n>
//	boot: <problem>                             one per CPU described but not online
//	cpu <id> online: <register>=0x<base> [el=<n>] <hwid-name>=0x<hwid>   one per online CPU
//	PASS <check> cpu=<id>
//	FAIL <check> cpu=<id>: <what was expected, what was seen>
//	selftest: <passed> passed, <failed> failed
//
// The first line reads `percpu: base=0x<base> area_size=...` for areas
// outside the linker region; arm64 adds the exception level (el=) the CPU
// runs at. Each online line is read on that CPU itself.
//
// [Up] prints the first three kinds of line and checks them: the areas fit
// the region and hold every online CPU; the online set starts with CPU 0
// and increases strictly; each CPU's register is its own area base, no two
// alike; every CPU runs at the exception level of CPU 0; the hardware ids
// are distinct and map back to their logical ids; every CPU described but
// not online is named. A [Tally] prints the results and the summary; its
// Done gives the exit status.
//
// A kernel that wants other output uses packages boot and percpu directly.
package console

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sync/atomic"
	"time"

	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/linker"
	"github.com/tamago-smp/kernel/percpu"
)

// ErrContract is wrapped by the error of [Up] when what the online CPUs read
// on themselves breaks the output contract.
var ErrContract = errors.New("boot: the online CPUs break the output contract")

// onlineTimeout bounds the wait of [Up] for every online CPU to read its
// register.
const onlineTimeout = 30 * time.Second

// up is set by the first call of [Up].
var up atomic.Bool

// Up is the prologue of a kernel, called once from main while CPU 0 runs
// alone: it initializes the per-CPU areas ([percpu.InitInPlace]) unless main
// did ([percpu.Init]), prints the `percpu:` line, brings up the other CPUs
// ([boot.Start]) with o, and prints and checks the `boot:` and online lines. Every error it
// returns is printed as the last line; a second call returns
// [boot.ErrStarted] and prints nothing. Unless the boot stopped (zero
// Report), the CPUs of the Report's online set run, whatever the error.
func Up(w io.Writer, o boot.Options) (boot.Report, error) {
	if !up.CompareAndSwap(false, true) {
		return boot.Report{}, boot.ErrStarted
	}

	if percpu.AreaNum() == 0 {
		if _, err := percpu.InitInPlace(); err != nil {
			fmt.Fprintln(w, err) // the library's errors name the package
			return boot.Report{}, err
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

	r, err := boot.Start(o)
	if err != nil && err != boot.ErrCPUsMissing {
		for _, p := range r.Problems {
			fmt.Fprintln(w, "boot:", p)
		}
		fmt.Fprintln(w, err)
		return boot.Report{}, err
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

// cpuRead is what one CPU read on itself for its online line, and its ids.
type cpuRead struct {
	ok  bool // it read in time
	reg uintptr
	el  int // the exception level on arm64, 0 elsewhere

	hw    uint64 // boot.HWID
	hasHW bool
	back  int // boot.LogicalID(hw), -1 if none
}

// printOnline prints the `boot: ` lines of r's problems and one online line
// per CPU of r.Online, each read on that CPU, and returns the reads. A CPU
// that does not read within timeout gets a `boot: ` line instead, and
// printOnline returns the error of [boot.OnEachCPU].
func printOnline(w io.Writer, r boot.Report, timeout time.Duration) ([]cpuRead, error) {
	for _, p := range r.Problems {
		fmt.Fprintln(w, "boot:", p)
	}

	reads := make([]cpuRead, boot.MaxCPUs)

	err := boot.OnEachCPU(r.Online, timeout, func(cpu int) {
		c := &reads[cpu]
		c.reg = percpu.ReadReg()
		c.el = exceptionLevel()
		c.ok = true
	})

	if _, ok := err.(*boot.EachError); err != nil && !ok {
		return reads, err
	}

	for _, cpu := range r.Online {
		c := &reads[cpu]
		c.hw, c.hasHW = boot.HWID(cpu)
		c.back = -1
		if c.hasHW {
			if back, ok := boot.LogicalID(c.hw); ok {
				c.back = back
			}
		}

		if !c.ok {
			fmt.Fprintf(w, "boot: cpu %d (%s=%#x) is online but did not read its register within %v\n", cpu, r.HWIDName, c.hw, timeout)
			continue
		}

		fmt.Fprintf(w, "cpu %d online: %s=%#x", cpu, percpu.RegName(), c.reg)
		if c.el != 0 {
			fmt.Fprintf(w, " el=%d", c.el)
		}
		fmt.Fprintf(w, " %s=%#x\n", r.HWIDName, c.hw)
	}

	return reads, err
}

// checkOnline returns how the online CPUs of r, with what they read on
// themselves, break the contract [Up] asserts; areas is the number of
// per-CPU areas.
func checkOnline(r boot.Report, reads []cpuRead, areas int) (bad []string) {
	on := r.Online

	switch {
	case len(on) == 0 || on[0] != 0:
		bad = append(bad, fmt.Sprintf("online set %v does not start with cpu 0", on))
	case len(on) > areas:
		bad = append(bad, fmt.Sprintf("%d CPUs online, only %d per-CPU areas", len(on), areas))
	}

	regs := map[uintptr]int{}
	hwids := map[uint64]int{}
	var first *cpuRead

	for i, cpu := range on {
		if i > 0 && cpu <= on[i-1] {
			bad = append(bad, fmt.Sprintf("online set %v is not strictly increasing at cpu %d", on, cpu))
		}
		if cpu < 0 || cpu >= areas || cpu >= len(reads) {
			bad = append(bad, fmt.Sprintf("cpu %d online, outside the %d per-CPU areas", cpu, areas))
			continue
		}

		c := &reads[cpu]
		if c.hasHW {
			if other, dup := hwids[c.hw]; dup {
				bad = append(bad, fmt.Sprintf("cpu %d has hardware id %s=%#x, as cpu %d has", cpu, r.HWIDName, c.hw, other))
			}
			hwids[c.hw] = cpu
			if c.back != cpu {
				bad = append(bad, fmt.Sprintf("cpu %d: hardware id %s=%#x maps back to cpu %d", cpu, r.HWIDName, c.hw, c.back))
			}
		}

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

		// CPU 0's exception level chose the register (percpu)
		if first == nil {
			first = c
		} else if c.el != first.el {
			bad = append(bad, fmt.Sprintf("cpu %d reads el=%d, cpu %d reads el=%d", cpu, c.el, on[0], first.el))
		}
	}

	if len(on) < r.Present && len(r.Problems) == 0 {
		bad = append(bad, fmt.Sprintf("%d of %d CPUs described are online, and no boot: line names the others", len(on), r.Present))
	}

	return
}

// Tally runs a kernel's checks on the online CPUs and prints their results,
// then the summary line ([Tally.Done]).
type Tally struct {
	w      io.Writer
	online []int

	passed, failed int
	passes         [boot.MaxCPUs]int
}

// NewTally returns a Tally that writes to w and checks the CPUs of online
// (the Report's online set of [Up]).
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
	if cpu >= 0 && cpu < boot.MaxCPUs {
		t.passes[cpu]++
	}
}

// OnEachCPU runs f on every CPU t checks, at once, pinned, as
// [boot.OnEachCPU] does (f must not block nor call fmt: build its error with
// [Errorf]), and records one result per CPU: f's error, or that f did not
// start or return in time. With no CPU to check it does nothing.
func (t *Tally) OnEachCPU(name string, timeout time.Duration, f func(cpu int) error) {
	if len(t.online) == 0 {
		return // the boot stopped: no CPU to check (Done fails it)
	}

	errs := make([]error, boot.MaxCPUs)

	err := boot.OnEachCPU(t.online, timeout, func(cpu int) { errs[cpu] = f(cpu) })

	if e, ok := err.(*boot.EachError); ok {
		for _, cpu := range e.NotStarted {
			errs[cpu] = fmt.Errorf("did not start on this CPU within %v (cpus not reached: %v)", timeout, e.Unreached)
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

// Done ends the checks and returns the exit status, 0 only if no check
// failed and err (the error of [Up]) is nil. An online CPU where no check
// passed fails "every-cpu", and a non-nil err fails "online-lines"
// ([ErrContract]) or "boot", so that a failed boot never reads "0 failed".
func (t *Tally) Done(err error) int {
	for _, cpu := range t.online {
		if cpu >= 0 && cpu < boot.MaxCPUs && t.passes[cpu] == 0 {
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
