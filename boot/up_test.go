// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package boot

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tamago-smp/kernel/linker"
	"github.com/tamago-smp/kernel/percpu"
)

// goodReads returns what CPUs 0..n-1 read on a healthy machine: their area
// bases, and the exception level of the register in use (2 where the
// register names none).
func goodReads(n int) []cpuRead {
	el := uint64(2)
	if s, ok := strings.CutPrefix(percpu.RegName(), "tpidr_el"); ok {
		fmt.Sscan(s, &el)
	}

	reads := make([]cpuRead, MaxCPUs)
	for cpu := 0; cpu < n; cpu++ {
		reads[cpu] = cpuRead{ok: true, reg: percpu.AreaBase(cpu), noteName: "el", note: el}
	}
	return reads
}

// withHWIDs makes l the logical -> hardware id map for a test.
func withHWIDs(t *testing.T, l ...uint64) {
	saved := hwids
	hwids = l
	t.Cleanup(func() { hwids = saved })
}

// TestCheckOnline: each property Up asserts about the online lines is
// refused when broken, naming the CPU and the values; a healthy boot passes.
func TestCheckOnline(t *testing.T) {
	needAreas(t, 3)
	withHWIDs(t, 0x10, 0x11, 0x12)
	healthy := Report{Present: 3, Online: []int{0, 1, 2}}

	if bad := checkOnline(healthy, goodReads(3), 3); len(bad) != 0 {
		t.Fatalf("healthy boot: %q", bad)
	}

	for _, c := range []struct {
		name  string
		r     Report
		edit  func(reads []cpuRead)
		hwids []uint64
		areas int
		want  string
	}{
		{name: "register of another area", edit: func(r []cpuRead) { r[1].reg = percpu.AreaBase(2) },
			want: fmt.Sprintf("cpu 1: %s=%#x, want its own area base %#x", percpu.RegName(), percpu.AreaBase(2), percpu.AreaBase(1))},
		{name: "two CPUs, one register", edit: func(r []cpuRead) { r[2].reg = r[0].reg },
			want: "the register of cpu 0 too"},
		{name: "notes differ", edit: func(r []cpuRead) { r[2].note = 7 },
			want: "cpu 2 reads el=7, cpu 0 reads el="},
		{name: "hardware ids alike", hwids: []uint64{0x10, 0x11, 0x11},
			want: "cpu 2 has hardware id " + HWIDName() + "=0x11, as cpu 1 has"},
		{name: "online set without cpu 0", r: Report{Present: 3, Online: []int{1, 2}, Problems: []string{"x"}},
			want: "does not start with cpu 0"},
		{name: "online set out of order", r: Report{Present: 3, Online: []int{0, 2, 1}},
			want: "not strictly increasing at cpu 1"},
		{name: "more CPUs than areas", areas: 2,
			want: "3 CPUs online, only 2 per-CPU areas"},
		{name: "missing CPU unnamed", r: Report{Present: 4, Online: []int{0, 1, 2}},
			want: "3 of 4 CPUs described are online, and no boot: line names the others"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, reads, areas := healthy, goodReads(3), 3
			if c.r.Online != nil {
				r = c.r
			}
			if c.edit != nil {
				c.edit(reads)
			}
			if c.hwids != nil {
				withHWIDs(t, c.hwids...)
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
	if code := NewTally(&out, []int{0}).Done(ErrCPUsMissing); code != 1 {
		t.Errorf("Done(ErrCPUsMissing) = %d, want 1", code)
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
	if code := tl.Done(fmt.Errorf("%w: 1 of 2", ErrCPUsMissing)); code != 1 || !strings.HasSuffix(out.String(), "FAIL boot cpu=0: "+ErrCPUsMissing.Error()+": 1 of 2\nselftest: 1 passed, 1 failed\n") {
		t.Errorf("Done after a strict boot without every CPU = %d, output %q", code, out.String())
	}
}

// TestErrorf: the deferred error formats as fmt.Errorf would.
func TestErrorf(t *testing.T) {
	if got, want := Errorf("cpu %d: %s=%#x", 3, "gp", 0x40).Error(), "cpu 3: gp=0x40"; got != want {
		t.Errorf("Errorf = %q, want %q", got, want)
	}
}

// TestCheckOnlineEL: on arm64 every CPU must run at the exception level of
// the register in use (the kernel tests of boot run this on aarch64 and
// aarch64-el2).
func TestCheckOnlineEL(t *testing.T) {
	el, ok := strings.CutPrefix(percpu.RegName(), "tpidr_el")
	if !ok {
		t.Skipf("register %s names no exception level", percpu.RegName())
	}
	needAreas(t, 2)
	withHWIDs(t, 0, 1)

	reads := goodReads(2)
	other := map[string]uint64{"1": 2, "2": 1}[el]
	reads[0].note, reads[1].note = other, other

	bad := checkOnline(Report{Present: 2, Online: []int{0, 1}}, reads, 2)
	if want := fmt.Sprintf("cpu 1 runs at el=%d but uses %s", other, percpu.RegName()); !strings.Contains(strings.Join(bad, "\n"), want) {
		t.Errorf("checkOnline = %q, want a line containing %q", bad, want)
	}
}
