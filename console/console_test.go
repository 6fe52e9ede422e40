// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package console

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"

	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/linker"
	"github.com/tamago-smp/kernel/percpu"
)

// testAreas is the number of per-CPU areas of the tests, at region.
const testAreas = 4

var region [testAreas*1024 + linker.AreaAlign]byte

func TestMain(m *testing.M) {
	base := linker.FirstArea(uintptr(unsafe.Pointer(&region)))

	if _, err := percpu.Init(base, uintptr(len(region))-(base-uintptr(unsafe.Pointer(&region))), testAreas); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	os.Exit(m.Run())
}

// needAreas skips a test that needs n per-CPU areas when the build has fewer
// (the single-CPU percpu_naive build has one).
func needAreas(t *testing.T, n int) {
	if a := percpu.AreaNum(); a < n {
		t.Skipf("%d per-CPU area(s) in this build, the test needs %d", a, n)
	}
}

// goodReads returns what CPUs 0..n-1 read on a healthy machine with
// hardware ids hwids: their area bases, at exception level 2.
func goodReads(n int, hwids ...uint64) []cpuRead {
	reads := make([]cpuRead, boot.MaxCPUs)
	for cpu := 0; cpu < n; cpu++ {
		reads[cpu] = cpuRead{ok: true, reg: percpu.AreaBase(cpu), el: 2, hw: hwids[cpu], hasHW: true, back: cpu}
	}
	return reads
}

// TestCheckOnline: each property Up asserts about the online lines is
// refused when broken, naming the CPU and the values; a healthy boot passes.
func TestCheckOnline(t *testing.T) {
	needAreas(t, 3)
	healthy := boot.Report{HWIDName: "apic", Present: 3, Online: []int{0, 1, 2}}
	good := func() []cpuRead { return goodReads(3, 0x10, 0x11, 0x12) }

	if bad := checkOnline(healthy, good(), 3); len(bad) != 0 {
		t.Fatalf("healthy boot: %q", bad)
	}

	for _, c := range []struct {
		name  string
		r     boot.Report
		edit  func(reads []cpuRead)
		areas int
		want  string
	}{
		{name: "register of another area", edit: func(r []cpuRead) { r[1].reg = percpu.AreaBase(2) },
			want: fmt.Sprintf("cpu 1: %s=%#x, want its own area base %#x", percpu.RegName(), percpu.AreaBase(2), percpu.AreaBase(1))},
		{name: "two CPUs, one register", edit: func(r []cpuRead) { r[2].reg = r[0].reg },
			want: "the register of cpu 0 too"},
		{name: "exception levels differ", edit: func(r []cpuRead) { r[2].el = 1 },
			want: "cpu 2 reads el=1, cpu 0 reads el=2"},
		{name: "hardware ids alike", edit: func(r []cpuRead) { r[2].hw = 0x11 },
			want: "cpu 2 has hardware id apic=0x11, as cpu 1 has"},
		{name: "hardware id maps back elsewhere", edit: func(r []cpuRead) { r[1].back = -1 },
			want: "cpu 1: hardware id apic=0x11 maps back to cpu -1"},
		{name: "online set without cpu 0", r: boot.Report{Present: 3, Online: []int{1, 2}, Problems: []string{"x"}},
			want: "does not start with cpu 0"},
		{name: "online set out of order", r: boot.Report{Present: 3, Online: []int{0, 2, 1}},
			want: "not strictly increasing at cpu 1"},
		{name: "more CPUs than areas", areas: 2,
			want: "3 CPUs online, only 2 per-CPU areas"},
		{name: "missing CPU unnamed", r: boot.Report{Present: 4, Online: []int{0, 1, 2}},
			want: "3 of 4 CPUs described are online, and no boot: line names the others"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, reads, areas := healthy, good(), 3
			if c.r.Online != nil {
				r = c.r
			}
			if c.edit != nil {
				c.edit(reads)
			}
			if c.areas != 0 {
				areas = c.areas
			}

			bad := checkOnline(r, reads, areas)
			if !strings.Contains(strings.Join(bad, "\n"), c.want) {
				t.Errorf("checkOnline = %q, want a line containing %q", bad, c.want)
			}
		})
	}
}

// TestAreaLayout: the percpu: line says what the layout is, with the label
// that names each value, and a layout that breaks the region's rules is
// refused.
func TestAreaLayout(t *testing.T) {
	const start, end = 0x1010, 0x1010 + 4*128 + linker.AreaAlign

	good := areaLayout{base: 0x1040, size: 56, stride: 128, num: 4, start: start, end: end}
	if bad := good.check(); len(bad) != 0 {
		t.Errorf("good layout: %q", bad)
	}
	if got, want := good.String(), "percpu: _percpu_start=0x1010 _percpu_end=0x1250 area_size=56 area_stride=128 areas=4"; got != want {
		t.Errorf("line %q, want %q", got, want)
	}

	own := areaLayout{base: 0x8000, size: 56, stride: 128, num: 4, start: start, end: end}
	if got, want := own.String(), "percpu: base=0x8000 area_size=56 area_stride=128 areas=4"; got != want {
		t.Errorf("line %q, want %q", got, want)
	}

	for _, c := range []struct {
		l    areaLayout
		want string
	}{
		{areaLayout{base: 0x1010, size: 56, stride: 128, num: 4, start: start, end: end}, "area 0 at 0x1010, want _percpu_start=0x1010 rounded up to 64: 0x1040"},
		{areaLayout{base: 0x1040, size: 56, stride: 128, num: 5, start: start, end: end}, "5 areas of 128 bytes from 0x1040 end at 0x12c0, past _percpu_end=0x1250"},
		{areaLayout{base: 0x8000, size: 56, stride: 96, num: 4}, "area stride 96 is not a positive multiple of 64"},
		{areaLayout{base: 0x8000, size: 192, stride: 128, num: 4}, "at least the area size 192"},
	} {
		if bad := c.l.check(); !strings.Contains(strings.Join(bad, "\n"), c.want) {
			t.Errorf("%+v: check = %q, want a line containing %q", c.l, bad, c.want)
		}
	}
}

// TestTally: results, the CPU that passed nothing and the summary, with the
// exit status that goes with them.
func TestTally(t *testing.T) {
	var out bytes.Buffer

	tl := NewTally(&out, []int{0, 1})
	tl.Result("a", 0, nil)
	tl.Result("a", 1, errors.New("seen 2, want 1"))
	if code := tl.Done(nil); code != 1 {
		t.Errorf("Done with a failure = %d, want 1", code)
	}
	want := "PASS a cpu=0\nFAIL a cpu=1: seen 2, want 1\nFAIL every-cpu cpu=1: no check passed on cpu 1\nselftest: 1 passed, 2 failed\n"
	if out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}

	out.Reset()
	tl = NewTally(&out, []int{0})
	tl.Result("a", 0, nil)
	if code := tl.Done(nil); code != 0 || out.String() != "PASS a cpu=0\nselftest: 1 passed, 0 failed\n" {
		t.Errorf("Done = %d, output %q; want 0 and one pass", code, out.String())
	}

	// a result for a CPU that is not online is a failure
	out.Reset()
	tl = NewTally(&out, []int{0, 2})
	tl.Result("a", 0, nil)
	tl.Result("a", 1, nil)
	tl.Result("a", 2, nil)
	if code := tl.Done(nil); code != 1 || !strings.Contains(out.String(), "FAIL a cpu=1: cpu 1 is not online (online: [0 2])") {
		t.Errorf("Done = %d, output %q; want 1 and a FAIL for cpu 1", code, out.String())
	}

	// an error of Up fails the boot even when every check passed
	if code := NewTally(&out, []int{0}).Done(boot.ErrCPUsMissing); code != 1 {
		t.Errorf("Done(boot.ErrCPUsMissing) = %d, want 1", code)
	}

	// a broken contract is a failed check
	out.Reset()
	tl = NewTally(&out, []int{0})
	tl.Result("a", 0, nil)
	if code := tl.Done(fmt.Errorf("%w", ErrContract)); code != 1 || !strings.HasSuffix(out.String(), "selftest: 1 passed, 1 failed\n") {
		t.Errorf("Done(ErrContract) = %d, output %q; want 1 and one failure", code, out.String())
	}

	// a boot that stopped before any check: no check runs, one failure
	out.Reset()
	tl = NewTally(&out, nil)
	tl.OnEachCPU("a", 0, func(int) error { t.Error("a check ran after a failed boot"); return nil })
	if code := tl.Done(errors.New("percpu: too big")); code != 1 || out.String() != "FAIL boot cpu=0: percpu: too big\nselftest: 0 passed, 1 failed\n" {
		t.Errorf("Done after a failed boot = %d, output %q", code, out.String())
	}

	// a strict boot that lacks a CPU: the checks ran on the others, and
	// the summary still counts the boot as a failure
	out.Reset()
	tl = NewTally(&out, []int{0})
	tl.Result("a", 0, nil)
	if code := tl.Done(fmt.Errorf("%w: 1 of 2", boot.ErrCPUsMissing)); code != 1 || !strings.HasSuffix(out.String(), "FAIL boot cpu=0: "+boot.ErrCPUsMissing.Error()+": 1 of 2\nselftest: 1 passed, 1 failed\n") {
		t.Errorf("Done after a strict boot without every CPU = %d, output %q", code, out.String())
	}
}

// TestErrorf: the deferred error formats as fmt.Errorf would, and wraps
// the operands of %w.
func TestErrorf(t *testing.T) {
	if got, want := Errorf("cpu %d: %s=%#x", 3, "gp", 0x40).Error(), "cpu 3: gp=0x40"; got != want {
		t.Errorf("Errorf = %q, want %q", got, want)
	}

	err := Errorf("alloc: %w", percpu.ErrNoSpace)
	if got, want := err.Error(), "alloc: "+percpu.ErrNoSpace.Error(); got != want {
		t.Errorf("Errorf with %%w = %q, want %q", got, want)
	}
	if !errors.Is(err, percpu.ErrNoSpace) {
		t.Errorf("errors.Is(%v, percpu.ErrNoSpace) = false", err)
	}

	err = Errorf("%w and %w", percpu.ErrNoSpace, percpu.ErrFreed)
	if !errors.Is(err, percpu.ErrNoSpace) || !errors.Is(err, percpu.ErrFreed) || errors.Is(err, percpu.ErrTooBig) {
		t.Errorf("Errorf with two %%w: errors.Is finds the wrong errors in %v", err)
	}
}

// TestUpTwice: a second Up refuses before it prints anything.
func TestUpTwice(t *testing.T) {
	var out bytes.Buffer
	Up(&out, boot.Options{}) // no port on the host: it fails, but it ran

	out.Reset()
	if _, err := Up(&out, boot.Options{}); err != boot.ErrStarted || out.Len() != 0 {
		t.Errorf("second Up = %v, printed %q; want %v, nothing", err, out.String(), boot.ErrStarted)
	}
}
