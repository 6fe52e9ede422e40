// Boot-time self-tests of per-CPU data
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Package selftest checks per-CPU data on every CPU of a running kernel:
// the register, initial values, local and remote reads and writes, reset to
// the initial value, and concurrent adds. It is ISA-neutral; the kernel runs
// it once all CPUs are online.
//
// Every test runs on every CPU, pinned to it (see [boot.OnEachCPU]), and
// yields one result line per CPU:
//
//	PASS <test> cpu=<id>
//	FAIL <test> cpu=<id>: <what was expected, what was seen>
//
// Tests run in phases, one test at a time on all CPUs, so that a phase can
// rely on what every CPU did in the previous one. Before them come the
// results of [CheckBadInput], run on CPU 0 before the other CPUs started,
// and after them the [Stress] test, which runs on all CPUs at once.
package selftest

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/percpu"
)

// pair is the struct-typed per-CPU variable.
type pair struct {
	A uint32
	B uint64
}

// Per-CPU variables under test, with the initial values every CPU must see.
var (
	vBool    = percpu.Define(true)
	vUint8   = percpu.Define[uint8](1)
	vUint16  = percpu.Define[uint16](2)
	vUint32  = percpu.Define[uint32](3)
	vUint64  = percpu.Define[uint64](4)
	vUintptr = percpu.Define[uintptr](5)
	vPair    = percpu.Define(pair{6, 7})

	// mark is written remotely by the previous CPU
	mark = percpu.Define[uint64](0)
	// counter is the target of the concurrent adds
	counter = percpu.Define[uint64](0)
)

// Adds is the number of per-CPU adds each CPU does in the concurrency test.
const Adds = 100000

// phaseTimeout bounds each phase on all CPUs.
const phaseTimeout = 60 * time.Second

// test is one self-test: it runs on CPU cpu of n and returns an error
// saying what was expected and what was seen.
type test struct {
	name string
	run  func(cpu, n int) error
}

// tests run in this order; later ones rely on the state earlier ones left.
var tests = []test{
	{"register", testRegister},
	{"initial-values", testInitial},
	{"local-write", testLocalWrite},
	{"isolation", testIsolation},
	{"remote-read", testRemoteRead},
	{"remote-write", testRemoteWrite},
	{"remote-write-seen", testRemoteWriteSeen},
	{"reset", testReset},
	{"concurrent-add", testConcurrentAdd},
	{"concurrent-sum", testConcurrentSum},
}

// Run writes the results of [CheckBadInput] (if it ran), runs every test on
// CPUs 0..n-1, then [Stress], writes one result line per test and CPU to w,
// and returns the number of results that passed and failed.
func Run(w io.Writer, n int) (passed, failed int) {
	for _, r := range early {
		if r.err != nil {
			fmt.Fprintf(w, "FAIL bad-input/%s cpu=0: %v\n", r.name, r.err)
			failed++
		} else {
			fmt.Fprintf(w, "PASS bad-input/%s cpu=0\n", r.name)
			passed++
		}
	}

	for _, t := range tests {
		errs := make([]error, n)

		missed := boot.OnEachCPU(n, phaseTimeout, func(cpu int) {
			errs[cpu] = t.run(cpu, n)
		})

		for _, cpu := range missed {
			errs[cpu] = fmt.Errorf("did not run on this CPU within %v", phaseTimeout)
		}

		for cpu, err := range errs {
			if err != nil {
				fmt.Fprintf(w, "FAIL %s cpu=%d: %v\n", t.name, cpu, err)
				failed++
			} else {
				fmt.Fprintf(w, "PASS %s cpu=%d\n", t.name, cpu)
				passed++
			}
		}
	}

	p, f := Stress(w, n)

	return passed + p, failed + f
}

func testRegister(cpu, n int) error {
	if reg, base := percpu.ReadReg(), percpu.AreaBase(cpu); reg != base {
		return fmt.Errorf("%s=%#x, want area base %#x", percpu.RegName(), reg, base)
	}
	if id := percpu.CPU(); id != cpu {
		return fmt.Errorf("percpu.CPU()=%d, want %d", id, cpu)
	}
	return nil
}

// expect compares a value read on a CPU with the one wanted.
func expect[T comparable](what string, got, want T) error {
	if got != want {
		return fmt.Errorf("%s=%v, want %v", what, got, want)
	}
	return nil
}

// first returns the first non-nil error.
func first(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func testInitial(cpu, n int) error {
	return first(
		expect("bool", vBool.Read(), true),
		expect("uint8", vUint8.Read(), 1),
		expect("uint16", vUint16.Read(), 2),
		expect("uint32", vUint32.Read(), 3),
		expect("uint64", vUint64.Read(), 4),
		expect("uintptr", vUintptr.Read(), 5),
		expect("struct", vPair.Read(), pair{6, 7}),
	)
}

// own returns the values CPU cpu writes into its own copies.
func own(cpu int) (b bool, u8 uint8, u16 uint16, u32 uint32, u64 uint64, up uintptr, p pair) {
	c := uint64(cpu)
	return cpu%2 == 0, uint8(0x10 + c), uint16(0x1000 + c), uint32(0x10000000 + c),
		0x1000000000000000 + c, uintptr(0x2000 + c), pair{uint32(0x300 + c), 0x400 + c}
}

func testLocalWrite(cpu, n int) error {
	b, u8, u16, u32, u64, up, p := own(cpu)

	vBool.Write(b)
	vUint8.Write(u8)
	vUint16.Write(u16)
	vUint32.Write(u32)
	vUint64.Write(u64)
	vUintptr.Write(up)
	vPair.Write(p)

	return first(
		expect("bool", vBool.Read(), b),
		expect("uint8", vUint8.Read(), u8),
		expect("uint16", vUint16.Read(), u16),
		expect("uint32", vUint32.Read(), u32),
		expect("uint64", vUint64.Read(), u64),
		expect("uintptr", vUintptr.Read(), up),
		expect("struct", vPair.Read(), p),
	)
}

// testIsolation runs after every CPU wrote its own values: this CPU's copies
// must still hold what it wrote, not what any other CPU wrote.
func testIsolation(cpu, n int) error {
	b, u8, u16, u32, u64, up, p := own(cpu)

	return first(
		expect("bool", vBool.Read(), b),
		expect("uint8", vUint8.Read(), u8),
		expect("uint16", vUint16.Read(), u16),
		expect("uint32", vUint32.Read(), u32),
		expect("uint64", vUint64.Read(), u64),
		expect("uintptr", vUintptr.Read(), up),
		expect("struct", vPair.Read(), p),
	)
}

// testRemoteRead reads every other CPU's copies.
func testRemoteRead(cpu, n int) error {
	for other := 0; other < n; other++ {
		if other == cpu {
			continue
		}

		b, u8, u16, u32, u64, up, p := own(other)
		where := fmt.Sprintf("cpu %d ", other)

		if err := first(
			expect(where+"bool", *vBool.Remote(other), b),
			expect(where+"uint8", *vUint8.Remote(other), u8),
			expect(where+"uint16", *vUint16.Remote(other), u16),
			expect(where+"uint32", *vUint32.Remote(other), u32),
			expect(where+"uint64", *vUint64.Remote(other), u64),
			expect(where+"uintptr", *vUintptr.Remote(other), up),
			expect(where+"struct", *vPair.Remote(other), p),
		); err != nil {
			return err
		}
	}
	return nil
}

func markValue(writer int) uint64 {
	return 0xabc00000 + uint64(writer)
}

// testRemoteWrite writes the next CPU's mark.
func testRemoteWrite(cpu, n int) error {
	next := (cpu + 1) % n
	p := mark.Remote(next)
	atomic.StoreUint64(p, markValue(cpu))
	return expect(fmt.Sprintf("cpu %d mark", next), atomic.LoadUint64(p), markValue(cpu))
}

// testRemoteWriteSeen checks, locally, the mark the previous CPU wrote.
func testRemoteWriteSeen(cpu, n int) error {
	prev := (cpu + n - 1) % n
	return expect(fmt.Sprintf("mark written by cpu %d", prev), mark.Read(), markValue(prev))
}

func testReset(cpu, n int) error {
	vBool.Reset()
	vUint8.Reset()
	vUint16.Reset()
	vUint32.Reset()
	vUint64.Reset()
	vUintptr.Reset()
	vPair.Reset()

	if err := testInitial(cpu, n); err != nil {
		return fmt.Errorf("after Reset: %v", err)
	}
	return nil
}

// arrived counts the CPUs that reached the start of the concurrent adds.
var arrived atomic.Int32

// testConcurrentAdd adds 1 to this CPU's counter Adds times, starting when
// every CPU is ready (or after a bounded wait), while the others do the same.
func testConcurrentAdd(cpu, n int) error {
	arrived.Add(1)

	for deadline := time.Now().Add(10 * time.Second); arrived.Load() < int32(n) && time.Now().Before(deadline); {
	}

	for i := 0; i < Adds; i++ {
		percpu.Add(counter, 1)
	}

	return expect("own counter", counter.Read(), uint64(Adds))
}

// testConcurrentSum adds up every CPU's counter remotely.
func testConcurrentSum(cpu, n int) error {
	var sum uint64

	for other := 0; other < n; other++ {
		sum += atomic.LoadUint64(counter.Remote(other))
	}

	return expect(fmt.Sprintf("sum of %d counters", n), sum, uint64(n)*Adds)
}
