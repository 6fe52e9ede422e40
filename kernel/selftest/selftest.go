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
// rely on what every CPU did in the previous one. After them come the
// [Dynamic] tests and the [Stress] test, which runs on all CPUs at once.
//
// The bad input of package percpu is not checked here: percpu's own tests
// check every case, and they run inside a kernel of every target too (go
// tool qemu test).
package selftest

import (
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/tamago-smp/kernel/console"
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
	mark = percpu.Define[uint64](markInitial)
	// counter is the target of the concurrent adds
	counter = percpu.Define[uint64](0)
)

// markInitial is the initial value of mark.
const markInitial = 0

// Adds is the number of per-CPU adds each CPU does in the concurrency test.
const Adds = 100000

// phaseTimeout bounds each phase on all CPUs.
const phaseTimeout = 60 * time.Second

// test is one self-test: it runs on CPU cpu of the online set on and
// returns an error saying what was expected and what was seen.
type test struct {
	name string
	run  func(cpu int, on []int) error
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

// Run runs every test on every CPU t checks (the online set: logical ids,
// with holes when the boot runs degraded), then [Dynamic] and [Stress], one
// result per test and CPU.
func Run(t *console.Tally) {
	on := t.Online()

	// the runtime must own exactly the online CPUs: a P held by a CPU
	// that never ran would hang this stop-the-world for ever
	t.Result("stop-the-world", 0, stopTheWorld(len(on)))

	for _, test := range tests {
		t.OnEachCPU(test.name, phaseTimeout, func(cpu int) error { return test.run(cpu, on) })
	}

	Dynamic(t)
	Stress(t)
}

// stopTheWorld runs a garbage collection and lowers GOMAXPROCS by one and
// raises it back, three stop-the-worlds that every P must answer, and
// checks that GOMAXPROCS is the number of online CPUs before and after.
// (Lowering it further would park the Ms of many CPUs at once; TamaGo wakes
// parked Ms one at a time, and its idle Ms spin: with many CPUs under
// emulation the CPUs would take seconds to get a P back.)
func stopTheWorld(n int) error {
	if p := runtime.GOMAXPROCS(0); p != n {
		return console.Errorf("GOMAXPROCS=%d, want %d (the online CPUs)", p, n)
	}

	runtime.GC()
	lower := max(n-1, 1)
	runtime.GOMAXPROCS(lower)

	if p := runtime.GOMAXPROCS(n); p != lower {
		return console.Errorf("GOMAXPROCS=%d after lowering it to %d", p, lower)
	}

	runtime.GC()

	if p := runtime.GOMAXPROCS(0); p != n {
		return console.Errorf("GOMAXPROCS=%d after raising it back, want %d", p, n)
	}

	return nil
}

func testRegister(cpu int, on []int) error {
	if reg, base := percpu.ReadReg(), percpu.AreaBase(cpu); reg != base {
		return console.Errorf("%s=%#x, want area base %#x", percpu.RegName(), reg, base)
	}
	if id := percpu.CPU(); id != cpu {
		return console.Errorf("percpu.CPU()=%d, want %d", id, cpu)
	}
	return nil
}

// expect compares a value read on a CPU with the one wanted.
func expect[T comparable](what string, got, want T) error {
	if got != want {
		return console.Errorf("%s=%v, want %v", what, got, want)
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

// values holds one value for each of the variables under test.
type values struct {
	b   bool
	u8  uint8
	u16 uint16
	u32 uint32
	u64 uint64
	up  uintptr
	p   pair
}

// initial is what every CPU must see before any write, and after Reset.
var initial = values{true, 1, 2, 3, 4, 5, pair{6, 7}}

// own returns the values CPU cpu writes into its own copies.
func own(cpu int) values {
	c := uint64(cpu)
	return values{cpu%2 == 0, uint8(0x10 + c), uint16(0x1000 + c), uint32(0x10000000 + c),
		0x1000000000000000 + c, uintptr(0x2000 + c), pair{uint32(0x300 + c), 0x400 + c}}
}

// write stores want into this CPU's copies.
func (want values) write() {
	vBool.Write(want.b)
	vUint8.Write(want.u8)
	vUint16.Write(want.u16)
	vUint32.Write(want.u32)
	vUint64.Write(want.u64)
	vUintptr.Write(want.up)
	vPair.Write(want.p)
}

// check compares copies read locally or remotely (got) with want; where
// prefixes the names in the message.
func (want values) check(where string, got values) error {
	return first(
		expect(where+"bool", got.b, want.b),
		expect(where+"uint8", got.u8, want.u8),
		expect(where+"uint16", got.u16, want.u16),
		expect(where+"uint32", got.u32, want.u32),
		expect(where+"uint64", got.u64, want.u64),
		expect(where+"uintptr", got.up, want.up),
		expect(where+"struct", got.p, want.p),
	)
}

// local reads this CPU's copies.
func local() values {
	return values{vBool.Read(), vUint8.Read(), vUint16.Read(), vUint32.Read(),
		vUint64.Read(), vUintptr.Read(), vPair.Read()}
}

// remote reads CPU cpu's copies through Remote.
func remote(cpu int) values {
	return values{*vBool.Remote(cpu), *vUint8.Remote(cpu), *vUint16.Remote(cpu), *vUint32.Remote(cpu),
		*vUint64.Remote(cpu), *vUintptr.Remote(cpu), *vPair.Remote(cpu)}
}

func testInitial(cpu int, on []int) error {
	return initial.check("", local())
}

func testLocalWrite(cpu int, on []int) error {
	own(cpu).write()
	return own(cpu).check("", local())
}

// testIsolation runs after every CPU wrote its own values: this CPU's copies
// must still hold what it wrote, not what any other CPU wrote.
func testIsolation(cpu int, on []int) error {
	return own(cpu).check("", local())
}

// testRemoteRead reads every other CPU's copies.
func testRemoteRead(cpu int, on []int) error {
	for _, other := range on {
		if other == cpu {
			continue
		}

		if err := own(other).check("cpu "+strconv.Itoa(other)+" ", remote(other)); err != nil {
			return err
		}
	}
	return nil
}

func markValue(writer int) uint64 {
	return 0xabc00000 + uint64(writer)
}

// testRemoteWrite writes the next CPU's mark. This CPU is the only writer of
// that slot, so it must still hold its initial value: anything else means
// Remote reached a slot some other CPU writes.
func testRemoteWrite(cpu int, on []int) error {
	next := on[(slices.Index(on, cpu)+1)%len(on)]
	old := atomic.SwapUint64(mark.Remote(next), markValue(cpu))
	return expect("cpu "+strconv.Itoa(next)+" mark before the write", old, uint64(markInitial))
}

// testRemoteWriteSeen checks, locally, the mark the previous CPU wrote.
func testRemoteWriteSeen(cpu int, on []int) error {
	prev := on[(slices.Index(on, cpu)+len(on)-1)%len(on)]
	return expect("mark written by cpu "+strconv.Itoa(prev), mark.Read(), markValue(prev))
}

func testReset(cpu int, on []int) error {
	vBool.Reset()
	vUint8.Reset()
	vUint16.Reset()
	vUint32.Reset()
	vUint64.Reset()
	vUintptr.Reset()
	vPair.Reset()

	if err := testInitial(cpu, on); err != nil {
		return console.Errorf("after Reset: %v", err)
	}
	return nil
}

// arrived counts the CPUs that reached the start of the concurrent adds.
var arrived atomic.Int32

// arrive counts the calling CPU in arrived and spins until n CPUs have
// arrived or 10 s have passed: a bounded start line for a test that runs on
// every CPU at once (pinned, so it must not block).
func arrive(arrived *atomic.Int32, n int) {
	arrived.Add(1)

	for deadline := time.Now().Add(10 * time.Second); arrived.Load() < int32(n) && time.Now().Before(deadline); {
	}
}

// testConcurrentAdd adds 1 to this CPU's counter Adds times, starting when
// every CPU is ready (or after a bounded wait), while the others do the same.
func testConcurrentAdd(cpu int, on []int) error {
	arrive(&arrived, len(on))

	for i := 0; i < Adds; i++ {
		percpu.Add(counter, 1)
	}

	return expect("own counter", counter.Read(), uint64(Adds))
}

// testConcurrentSum adds up every CPU's counter remotely.
func testConcurrentSum(cpu int, on []int) error {
	var sum uint64

	for _, other := range on {
		sum += atomic.LoadUint64(counter.Remote(other))
	}

	return expect("sum of "+strconv.Itoa(len(on))+" counters", sum, uint64(len(on))*Adds)
}
