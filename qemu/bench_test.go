// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"debug/elf"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tamago-smp/kernel/internal/benchops"
)

// a console of the benchmark kernel, as it prints it (with one board line)
var benchConsole = []string{
	"percpu: _percpu_start=0x101e9f80 _percpu_end=0x101edfc0 area_size=64 areas=257",
	"cpus online: 2 (x86_64, per-CPU register gs_base)",
	"bench: x86_64 plain cpus=1 ns/op=4.331",
	"bench: x86_64 plain cpus=2 ns/op=2.500",
	"bench: x86_64 percpu cpus=1 ns/op=25.274",
	"bench: x86_64 percpu cpus=2 ns/op=13.000",
	"bench: x86_64 percpu-raw cpus=1 ns/op=44.568",
	"bench: x86_64 percpu-raw cpus=2 ns/op=23.100",
	"bench: x86_64 atomic cpus=1 ns/op=4.425\r",
	"bench: x86_64 atomic cpus=2 ns/op=9.000",
	"bench: x86_64 mutex cpus=1 ns/op=12.721",
	"bench: x86_64 mutex cpus=2 ns/op=40",
	"bench: x86_64 perp cpus=1 ns/op=71.615",
	"bench: x86_64 perp cpus=2 ns/op=36.000",
	"floor: x86_64 cpus=1 ns/op=20.000",
	"floor: x86_64 cpus=2 ns/op=10.500",
	"benchmarks: 12 measured, 0 failed",
}

// The harness's operations are those the host benchmarks and the kernel run,
// in the same order.
func TestBenchOpNames(t *testing.T) {
	var names []string
	for _, op := range benchops.Ops {
		names = append(names, op.Name)
	}

	if !slices.Equal(names, benchOpNames) {
		t.Errorf("benchOpNames = %q, the operations of benchops are %q", benchOpNames, names)
	}
}

func TestParseKernelBench(t *testing.T) {
	ms, err := parseKernelBench(benchConsole, "x86_64")
	if err != nil {
		t.Fatalf("good console: %v", err)
	}

	if len(ms) != 14 {
		t.Fatalf("%d measurements, want 12 and 2 floors", len(ms))
	}
	if want := (measurement{"x86_64", floorOp, 2, 10.5}); ms[13] != want {
		t.Errorf("measurement 13 = %+v, want %+v", ms[13], want)
	}
	if got, want := ms[13].String(), "floor: x86_64 cpus=2 ns/op=10.500"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}

	floors := renderFloorTable(ms)
	for _, want := range []string{
		"| where | cpus | floor ns/op | percpu ns/op | percpu ÷ floor |",
		"| x86_64 | 1 | 20.000 | 25.274 | 1.26 |",
		"| x86_64 | 2 | 10.500 | 13.000 | 1.24 |",
	} {
		if !strings.Contains(floors, want+"\n") {
			t.Errorf("floor table has no row %q:\n%s", want, floors)
		}
	}
	if strings.Contains(renderBenchTable(ms, []string{"x86_64"}, nil), "floor") {
		t.Error("floor lines in the bench table")
	}
	if want := (measurement{"x86_64", "atomic", 1, 4.425}); ms[6] != want {
		t.Errorf("measurement 6 = %+v, want %+v", ms[6], want)
	}
	if want := (measurement{"x86_64", "mutex", 2, 40}); ms[9] != want {
		t.Errorf("measurement 9 = %+v, want %+v", ms[9], want)
	}
	if got, want := ms[0].String(), "bench: x86_64 plain cpus=1 ns/op=4.331"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestParseKernelBenchBad(t *testing.T) {
	edit := func(f func([]string) []string) []string {
		return f(append([]string(nil), benchConsole...))
	}

	cases := []struct {
		name    string
		lines   []string
		where   string
		mention string
	}{
		{"other target", benchConsole, "riscv64", "measurement for x86_64, booted riscv64"},
		{"malformed", edit(func(l []string) []string { l[3] = "bench: x86_64 plain cpus=2 ns/op=fast"; return l }), "x86_64", "malformed bench line"},
		{"unknown op", edit(func(l []string) []string { l[3] = "bench: x86_64 spin cpus=2 ns/op=1.0"; return l }), "x86_64", `unknown operation "spin"`},
		{"zero cpus", edit(func(l []string) []string { l[3] = "bench: x86_64 plain cpus=0 ns/op=1.0"; return l }), "x86_64", "bad CPU count"},
		{"no summary", benchConsole[:len(benchConsole)-1], "x86_64", "no `benchmarks: N measured"},
		{"failed", edit(func(l []string) []string {
			l[len(l)-1] = "benchmarks: 11 measured, 1 failed"
			return append(l[:4], append([]string{"FAIL percpu cpus=1: per-CPU counters add up to 0"}, l[5:]...)...)
		}), "x86_64", "FAIL percpu cpus=1"},
		{"floor of another target", edit(func(l []string) []string { l[len(l)-2] = "floor: riscv64 cpus=2 ns/op=1.0"; return l }), "x86_64", "floor line for riscv64"},
		{"malformed floor", edit(func(l []string) []string { l[len(l)-2] = "floor: x86_64 ns/op=1.0"; return l }), "x86_64", "malformed floor line"},
		{"count mismatch", edit(func(l []string) []string { return append(l[:3], l[4:]...) }), "x86_64", "reports 12 measurements, 11 bench: lines"},
	}

	for _, c := range cases {
		_, err := parseKernelBench(c.lines, c.where)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.mention) {
			t.Errorf("%s: error %q does not mention %q", c.name, err, c.mention)
		}
	}
}

// go test -bench output with -count 3 (abridged)
const hostOutput = `goos: linux
goarch: amd64
pkg: github.com/tamago-smp/kernel/percpu
cpu: AMD EPYC
BenchmarkOps/plain/cpus=1-2         	997477022	         1.500 ns/op
BenchmarkOps/plain/cpus=2-2         	1000000000	         0.800 ns/op
BenchmarkOps/percpu/cpus=1-2        	212326962	         2.003 ns/op
BenchmarkOps/percpu/cpus=2-2        	178762378	         1.000 ns/op
BenchmarkOps/atomic/cpus=2-2        	161924473	         6.000 ns/op
BenchmarkOps/plain/cpus=1-2         	997477022	         1.400 ns/op
BenchmarkOps/percpu/cpus=1-2        	212326962	         1.900 ns/op
BenchmarkOps/plain/cpus=1-2         	997477022	         9.000 ns/op
BenchmarkOps/percpu-raw/cpus=1      	125748630	         2.776 ns/op
PASS
ok  	github.com/tamago-smp/kernel/percpu	10.554s
`

func TestParseHostBench(t *testing.T) {
	ms, err := parseHostBench(hostOutput)
	if err != nil {
		t.Fatal(err)
	}

	want := []measurement{
		{"host", "plain", 1, 1.5}, // median of 1.5, 1.4, 9.0
		{"host", "plain", 2, 0.8},
		{"host", "percpu", 1, (2.003 + 1.9) / 2},
		{"host", "percpu", 2, 1.0},
		{"host", "percpu-raw", 1, 2.776}, // no -GOMAXPROCS suffix
		{"host", "atomic", 2, 6.0},
	}

	if !reflect.DeepEqual(ms, want) {
		t.Errorf("measurements\n%+v\nwant\n%+v", ms, want)
	}

	if _, err := parseHostBench("PASS\nok\n"); err == nil {
		t.Error("output without results: no error")
	}
}

func TestBenchTableAndTargets(t *testing.T) {
	host, err := parseHostBench(hostOutput)
	if err != nil {
		t.Fatal(err)
	}

	ms := append(host, measurement{"x86_64", "percpu", 4, 20}, measurement{"x86_64", "atomic", 4, 10})
	table := renderBenchTable(ms, []string{"host", "x86_64", "riscv64"}, map[string]string{"riscv64": "does not | boot"})

	for _, want := range []string{
		"| where | op | cpus | ns/op | ÷ plain, 1 CPU | ÷ atomic, same cpus |",
		"| host | plain | 1 | 1.500 | 1.00 | - |",
		"| host | percpu | 2 | 1.000 | 0.67 | 0.17 |",
		"| host | atomic | 2 | 6.000 | 4.00 | 1.00 |",
		"| x86_64 | percpu | 4 | 20.000 | - | 2.00 |",
		"| riscv64 | unavailable: does not / boot | | | | |",
	} {
		if !strings.Contains(table, want+"\n") {
			t.Errorf("table has no row %q:\n%s", want, table)
		}
	}

	report := checkTargets(ms)

	for _, want := range []string{
		"percpu cpus=2 / plain cpus=1 = 1.000 / 1.500 = 0.67 (want <= 3): met",
		"atomic cpus=2 / percpu cpus=2 = 6.000 / 1.000 = 6.00 (want >= 5): met",
		"atomic cpus=4 / percpu cpus=4 = 10.000 / 20.000 = 0.50 (want >= 4): MISSED",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("target report does not say %q:\n%s", want, report)
		}
	}

	if report := checkTargets(host[:1]); !strings.Contains(report, "not measured (no measurements on x86_64)") {
		t.Errorf("targets without measurements: %s", report)
	}
}

func TestCrossings(t *testing.T) {
	fn := elf.ST_INFO(elf.STB_GLOBAL, elf.STT_FUNC)
	obj := elf.ST_INFO(elf.STB_GLOBAL, elf.STT_OBJECT)

	syms := []elf.Symbol{
		{Name: "github.com/tamago-smp/kernel/internal/benchops.percpuLoop", Info: fn, Value: 0x100b0fc0, Size: 0x71},  // crosses 0x100b1000
		{Name: "github.com/tamago-smp/kernel/internal/benchops.plainLoop", Info: fn, Value: 0x100b1000, Size: 0x100},  // starts on it
		{Name: "github.com/tamago-smp/kernel/internal/benchops.atomicLoop", Info: fn, Value: 0x100b1f00, Size: 0x100}, // ends on it
		{Name: "main.floorAddEL2.abi0", Info: fn, Value: 0x100b2ff0, Size: 0x20},                                      // crosses
		{Name: "github.com/tamago-smp/kernel/percpu.this_cpu_add.abi0", Info: fn, Value: 0x100affe0, Size: 0x53},      // crosses
		{Name: "github.com/tamago-smp/kernel/percpu.(*Var[uint64]).Read", Info: fn, Value: 0x100affe0, Size: 0x53},    // not hot
		{Name: "github.com/tamago-smp/kernel/internal/benchops.mutexLoop", Info: obj, Value: 0x100affe0, Size: 0x53},  // not code
		{Name: "main.main", Info: fn, Value: 0x100affe0, Size: 0x53},                                                  // not a loop
		{Name: "main.floorLoop", Info: fn, Value: 0x100b4000, Size: 0x80},
		{Name: "main.floorAdd.abi0", Info: fn, Value: 0x100b4100, Size: 0x10}, // same page as floorLoop
	}

	want := []string{
		"github.com/tamago-smp/kernel/internal/benchops.percpuLoop [0x100b0fc0, 0x100b1031) crosses the page boundary 0x100b1000",
		"github.com/tamago-smp/kernel/percpu.this_cpu_add.abi0 [0x100affe0, 0x100b0033) crosses the page boundary 0x100b0000",
		"main.floorAdd.abi0 at 0x100b4100 is on a page of main.floorLoop, which calls it",
		"main.floorAddEL2.abi0 [0x100b2ff0, 0x100b3010) crosses the page boundary 0x100b3000",
	}

	if got := crossings(syms); !reflect.DeepEqual(got, want) {
		t.Errorf("crossings\n%q\nwant\n%q", got, want)
	}
}
