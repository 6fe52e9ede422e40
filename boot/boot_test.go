// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package boot

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/tamago-smp/kernel/linker"
	"github.com/tamago-smp/kernel/percpu"
)

// fakePort is a machine that describes cpus and brings them up in two
// phases; silent CPUs never answer their wake-up, and wakeErr makes the
// wake-up request of a CPU fail.
type fakePort struct {
	cpus    []CPU
	silent  map[uint64]bool
	wakeErr map[uint64]error
	cmdline string

	mu      sync.Mutex
	woken   map[int]uint64  // logical -> hardware id, from Wake
	bases   map[int]uintptr // logical -> area base, from Wake
	entered []int
	parked  [MaxCPUs]atomic.Bool
	online  [MaxCPUs]atomic.Bool
}

var _ Port = (*fakePort)(nil)

func (p *fakePort) Prepare(n int) error  { return nil }
func (p *fakePort) Online(cpu int) bool  { return cpu == 0 || p.online[cpu].Load() }
func (p *fakePort) HWIDName() string     { return "apic" }
func (p *fakePort) CPUs() ([]CPU, error) { return p.cpus, nil }
func (p *fakePort) Parked(cpu int) bool  { return p.parked[cpu].Load() }
func (p *fakePort) WakeMethod() string   { return "INIT-SIPI" }
func (p *fakePort) Cmdline() string      { return p.cmdline }

func (p *fakePort) Wake(cpus []int, hwids []uint64, bases []uintptr) []error {
	p.mu.Lock()
	defer p.mu.Unlock()

	p.woken, p.bases = map[int]uint64{}, map[int]uintptr{}
	errs := make([]error, len(cpus))

	for i, cpu := range cpus {
		p.woken[cpu], p.bases[cpu] = hwids[i], bases[i]
		if errs[i] = p.wakeErr[hwids[i]]; errs[i] == nil && !p.silent[hwids[i]] {
			p.parked[cpu].Store(true)
		}
	}
	return errs
}

func (p *fakePort) Enter(cpu int, sp, g0, fn uintptr) {
	p.mu.Lock()
	p.entered = append(p.entered, cpu)
	p.mu.Unlock()
	if p.parked[cpu].Load() {
		p.online[cpu].Store(true)
	}
}

// testAreas is the number of per-CPU areas of the tests, at region: fewer
// than MaxCPUs, so that the parking of CPUs beyond the areas shows.
const testAreas = 4

var region [testAreas*1024 + linker.AreaAlign]byte

func TestMain(m *testing.M) {
	base := linker.FirstArea(uintptr(unsafe.Pointer(&region)))

	size, _ := percpu.RegionLayout(testAreas)
	if size > uintptr(len(region))-linker.AreaAlign {
		fmt.Fprintf(os.Stderr, "region too small: %d bytes for %d areas\n", size, testAreas)
		os.Exit(1)
	}

	if _, err := percpu.Init(base, uintptr(len(region))-(base-uintptr(unsafe.Pointer(&region))), testAreas); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	os.Exit(m.Run())
}

// handOuts records the Ps given to the stand-in runtime of startWith.
var handOuts []int

// startWith runs Start on a fresh package state with port p, on a goroutine
// whose per-CPU register points at area 0. The runtime is played by a
// stand-in that calls task once per extra P, as newosproc would.
func startWith(p Port, o Options) (r Report, err error) {
	done := make(chan struct{})
	handOuts = nil

	handOut = func(n int) error {
		handOuts = append(handOuts, n)
		var g gStack
		for i := 1; i < n; i++ {
			task(nil, nil, unsafe.Pointer(&g), nil)
		}
		return nil
	}

	go func() {
		defer close(done)

		percpu.InitReg(0) // on linux/amd64: locks this goroutine to its thread
		port = p
		started.Store(false)
		online.Store(nil)
		for i := range entered {
			entered[i].Store(false)
		}
		r, err = Start(o)
	}()

	<-done
	return
}

// machine describes CPUs with the given APIC IDs; the boot CPU is boot.
func machine(boot uint64, ids ...uint64) *fakePort {
	p := &fakePort{silent: map[uint64]bool{}, wakeErr: map[uint64]error{}}
	for _, id := range ids {
		p.cpus = append(p.cpus, CPU{HWID: id, Boot: id == boot})
	}
	return p
}

func problems(r Report) string { return strings.Join(r.Problems, "\n") }

// needAreas skips a test that needs n per-CPU areas when the build has fewer
// (the single-CPU percpu_naive build has one).
func needAreas(t *testing.T, n int) {
	if a := percpu.AreaNum(); a < n {
		t.Skipf("%d per-CPU area(s) in this build, the test needs %d", a, n)
	}
}

// TestSparse: the boot CPU is logical 0 whatever its hardware id and place
// in the description; the others follow in the description's order, each
// woken with its own hardware id and area.
func TestSparse(t *testing.T) {
	needAreas(t, 4)
	p := machine(5, 0, 2, 5, 9)
	r, err := startWith(p, Options{})

	if err != nil || len(r.Problems) != 0 {
		t.Fatalf("Start = %v, problems %q", err, r.Problems)
	}
	if want := []int{0, 1, 2, 3}; !reflect.DeepEqual(r.Online, want) || !reflect.DeepEqual(Online(), want) {
		t.Errorf("Online = %v / %v, want %v", r.Online, Online(), want)
	}
	if want := map[int]uint64{1: 0, 2: 2, 3: 9}; !reflect.DeepEqual(p.woken, want) {
		t.Errorf("woken %v, want %v", p.woken, want)
	}
	for cpu := 1; cpu < 4; cpu++ {
		if p.bases[cpu] != percpu.AreaBase(cpu) {
			t.Errorf("cpu %d woken with base %#x, want %#x", cpu, p.bases[cpu], percpu.AreaBase(cpu))
		}
	}
	for cpu, hw := range []uint64{5, 0, 2, 9} {
		if got, ok := HWID(cpu); !ok || got != hw {
			t.Errorf("HWID(%d) = %#x, %v; want %#x", cpu, got, ok, hw)
		}
		if got, ok := LogicalID(hw); !ok || got != cpu {
			t.Errorf("LogicalID(%#x) = %d, %v; want %d", hw, got, ok, cpu)
		}
	}
	if _, ok := LogicalID(7); ok {
		t.Error("LogicalID of an absent APIC ID succeeded")
	}
	if !reflect.DeepEqual(handOuts, []int{4}) {
		t.Errorf("GOMAXPROCS calls %v, want [4]", handOuts)
	}
	if r.Answered <= 0 || r.Answered > r.Elapsed {
		t.Errorf("Answered = %v, Elapsed = %v: want phase one within the bring-up", r.Answered, r.Elapsed)
	}
}

// TestSilentStrict: a CPU that never answers its wake-up is never given a P
// or an M, is named with its cause, and fails a strict boot.
func TestSilentStrict(t *testing.T) {
	needAreas(t, 4)
	p := machine(0, 0, 1, 2, 3)
	p.silent[2] = true

	r, err := startWith(p, Options{Timeout: 10 * time.Millisecond})

	if err != ErrCPUsMissing {
		t.Errorf("Start = %v, want %v", err, ErrCPUsMissing)
	}
	if !reflect.DeepEqual(r.Online, []int{0, 1, 3}) || !reflect.DeepEqual(r.Failed, []int{2}) {
		t.Errorf("Online %v Failed %v, want [0 1 3] [2]", r.Online, r.Failed)
	}
	if !reflect.DeepEqual(handOuts, []int{3}) {
		t.Errorf("GOMAXPROCS calls %v, want [3]: the silent CPU must get no P", handOuts)
	}
	for _, cpu := range p.entered {
		if cpu == 2 {
			t.Error("the silent CPU was handed an M")
		}
	}
	if want := "cpu 2 (apic=0x2) did not come online: no answer to INIT-SIPI within 10ms"; !strings.Contains(problems(r), want) {
		t.Errorf("problems %q do not say %q", problems(r), want)
	}
}

// TestDegraded: the same machine, run degraded from the command line.
func TestDegraded(t *testing.T) {
	needAreas(t, 4)
	p := machine(0, 0, 1, 2, 3)
	p.silent[2] = true
	p.cmdline = "console=ttyS0 boot.degraded"

	r, err := startWith(p, Options{Timeout: 10 * time.Millisecond})

	if err != nil || !r.Degraded {
		t.Errorf("Start = %v, degraded %v; want nil, true", err, r.Degraded)
	}
	if want := "running degraded: 3 of 4 CPUs online"; !strings.Contains(problems(r), want) {
		t.Errorf("problems %q do not say %q", problems(r), want)
	}
}

// TestWakeError: a failed wake-up request is reported with the port's words
// and not waited for.
func TestWakeError(t *testing.T) {
	needAreas(t, 4)
	p := machine(0, 0, 1, 2)
	p.wakeErr[1] = errors.New("PSCI CPU_ON: ALREADY_ON (-4)")

	r, err := startWith(p, Options{Timeout: time.Hour})

	if err != ErrCPUsMissing || !reflect.DeepEqual(r.Online, []int{0, 2}) {
		t.Errorf("Start = %v, online %v; want %v, [0 2]", err, r.Online, ErrCPUsMissing)
	}
	if want := "cpu 1 (apic=0x1) did not come online: PSCI CPU_ON: ALREADY_ON (-4)"; !strings.Contains(problems(r), want) {
		t.Errorf("problems %q do not say %q", problems(r), want)
	}
}

// TestSkip: boot.skip leaves a CPU unwoken, and says so.
func TestSkip(t *testing.T) {
	needAreas(t, 4)
	p := machine(0, 0, 1, 2, 3)
	p.cmdline = "boot.skip=1,3"

	r, err := startWith(p, Options{})

	if err != ErrCPUsMissing || !reflect.DeepEqual(r.Online, []int{0, 2}) {
		t.Errorf("Start = %v, online %v; want %v, [0 2]", err, r.Online, ErrCPUsMissing)
	}
	if _, woken := p.woken[1]; woken {
		t.Error("skipped cpu 1 was woken")
	}
	if want := "cpu 3 (apic=0x3) did not come online: not woken (boot.skip)"; !strings.Contains(problems(r), want) {
		t.Errorf("problems %q do not say %q", problems(r), want)
	}
}

// TestUnusable: a CPU the description marks unusable is left alone and
// reported; it has no logical id.
func TestUnusable(t *testing.T) {
	needAreas(t, 4)
	p := machine(0, 0, 1, 2)
	p.cpus[1].Unusable = `status = "disabled"`

	r, err := startWith(p, Options{})

	if err != ErrCPUsMissing || !reflect.DeepEqual(r.Online, []int{0, 1}) || r.Unusable != 1 {
		t.Errorf("Start = %v, online %v, unusable %d; want %v, [0 1], 1", err, r.Online, r.Unusable, ErrCPUsMissing)
	}
	if hw, _ := HWID(1); hw != 2 {
		t.Errorf("logical 1 is apic %#x, want 0x2", hw)
	}
	if want := `cpu apic=0x1 left alone: status = "disabled"`; !strings.Contains(problems(r), want) {
		t.Errorf("problems %q do not say %q", problems(r), want)
	}
}

// TestOverCapacity: more CPUs than per-CPU areas. The extra CPUs are left
// parked, the problem line names both sizes, and the boot fails unless
// degraded.
func TestOverCapacity(t *testing.T) {
	areas := percpu.AreaNum()
	if areas > MaxCPUs-3 {
		t.Skipf("%d per-CPU areas (build tags): no room for more CPUs than areas", areas)
	}
	stride := percpu.AreaStride()
	present := areas + 3

	var ids []uint64
	for i := 0; i < present; i++ {
		ids = append(ids, uint64(i))
	}

	for _, degraded := range []bool{false, true} {
		r, err := startWith(machine(0, ids...), Options{Degraded: degraded})

		if (err == nil) != degraded {
			t.Errorf("degraded %v: Start = %v", degraded, err)
		}
		if r.Present != present || r.Areas != areas || r.Wanted != areas || r.Parked != 3 {
			t.Errorf("Report = present %d areas %d wanted %d parked %d; want %d %d %d 3", r.Present, r.Areas, r.Wanted, r.Parked, present, areas, areas)
		}
		for _, want := range []string{
			fmt.Sprintf("cpus %d..%d present but left parked", areas, present-1),
			fmt.Sprintf("only %d per-CPU areas of %d bytes (%d bytes)", areas, stride, uintptr(areas)*stride),
			fmt.Sprintf("%d CPUs need %d bytes", present, uintptr(present)*stride),
		} {
			if !strings.Contains(problems(r), want) {
				t.Errorf("problems %q do not say %q", problems(r), want)
			}
		}
	}
}

// TestMaxCPUsCapacity: a machine larger than boot.MaxCPUs is named, with
// the CPUs left parked.
func TestMaxCPUsCapacity(t *testing.T) {
	var l []CPU
	for i := 0; i < MaxCPUs+16; i++ {
		l = append(l, CPU{HWID: uint64(i), Boot: i == 0})
	}
	p := plan(l, "id", Options{}, MaxCPUs+100, 64)

	if !p.overCapacity || len(p.hwids) != MaxCPUs || p.report.Parked != 16 {
		t.Errorf("plan: over %v, %d logical, %d parked", p.overCapacity, len(p.hwids), p.report.Parked)
	}
	want := fmt.Sprintf("%d CPUs present, %d supported: cpus %d..%d left parked (id=%#x..%#x; boot.MaxCPUs)", MaxCPUs+16, MaxCPUs, MaxCPUs, MaxCPUs+15, MaxCPUs, MaxCPUs+15)
	if got := strings.Join(p.report.Problems, "\n"); !strings.Contains(got, want) {
		t.Errorf("problems %q do not say %q", got, want)
	}
}

// TestMaxcpus: maxcpus on the command line parks CPUs by request, which is
// not a failure.
func TestMaxcpus(t *testing.T) {
	needAreas(t, 4)
	p := machine(0, 0, 1, 2, 3)
	p.cmdline = "maxcpus=2"

	r, err := startWith(p, Options{})

	if err != nil || !reflect.DeepEqual(r.Online, []int{0, 1}) || r.Parked != 2 {
		t.Errorf("Start = %v, online %v, parked %d; want nil, [0 1], 2", err, r.Online, r.Parked)
	}
	if want := "cpus 2..3 present but left parked by request (maxcpus=2)"; !strings.Contains(problems(r), want) {
		t.Errorf("problems %q do not say %q", problems(r), want)
	}
}

func TestCmdlineErrors(t *testing.T) {
	for _, c := range []struct{ line, want string }{
		{"maxcpus=0", `"maxcpus=0": want a CPU count of at least 1`},
		{"maxcpus=x", `"maxcpus=x": want a CPU count`},
		{"boot.skip=0", fmt.Sprintf(`"boot.skip=0": "0" is not a logical CPU id in 1..%d`, MaxCPUs-1)},
		{"boot.skip=1,x", `"x" is not a logical CPU id`},
	} {
		p := machine(0, 0, 1)
		p.cmdline = c.line
		if _, err := startWith(p, Options{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: Start = %v, want %q", c.line, err, c.want)
		}
	}
}

func TestNoPort(t *testing.T) {
	port = nil
	started.Store(false)

	if _, err := Start(Options{}); err != ErrNoPort {
		t.Errorf("Start without a port = %v, want %v", err, ErrNoPort)
	}
	if got := HWIDName(); got != "id" {
		t.Errorf("HWIDName without a port = %q, want %q", got, "id")
	}
}

// TestHWIDNameBeforeStart: the registered port names the hardware ids from
// the start.
func TestHWIDNameBeforeStart(t *testing.T) {
	saved := port
	t.Cleanup(func() { port = saved })

	Register(machine(0, 0, 1))
	if got := HWIDName(); got != "apic" {
		t.Errorf("HWIDName before Start = %q, want the port's %q", got, "apic")
	}
}

func TestBadDescription(t *testing.T) {
	p := plan([]CPU{{HWID: 1, Boot: true}, {HWID: 1}, {HWID: 3, Boot: true}}, "id", Options{}, 4, 64)
	got := strings.Join(p.report.Problems, "\n")
	for _, want := range []string{"cpu id=0x1 left alone: the description lists it twice", "cpu id=0x3 left alone: a second boot CPU"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems %q do not say %q", got, want)
		}
	}

	p = plan([]CPU{{HWID: 1}}, "id", Options{}, 4, 64)
	if !strings.Contains(strings.Join(p.report.Problems, "\n"), "marks no CPU as the boot CPU") || len(p.hwids) != 1 {
		t.Errorf("no boot CPU: %q, %d logical", p.report.Problems, len(p.hwids))
	}
}

// withCPUs makes the online set l and OnEachCPU see every goroutine as
// running on CPU cpu, for the duration of a test.
func withCPUs(t *testing.T, l []int, cpu int) {
	publish(l)
	orig := thisCPU
	thisCPU = func() int { return cpu }
	t.Cleanup(func() { thisCPU = orig; online.Store(nil); percpu.SetOnline(nil) })
}

func TestOnEachCPUBadArgs(t *testing.T) {
	withCPUs(t, []int{0, 1, 3}, 0)

	for _, c := range []struct {
		cpus []int
		want string
	}{
		{[]int{-1}, fmt.Sprintf("cpu -1 outside 0..%d", MaxCPUs-1)},
		{[]int{MaxCPUs}, fmt.Sprintf("cpu %d outside 0..%d", MaxCPUs, MaxCPUs-1)},
		{[]int{0, 1, 0}, "cpu 0 listed twice"},
		{[]int{2}, "cpu 2 is not online (online: [0 1 3])"},
	} {
		err := OnEachCPU(c.cpus, time.Second, func(int) { t.Error("f ran") })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("OnEachCPU(%v) = %v, want %q", c.cpus, err, c.want)
		}
	}
}

// TestOnEachCPUBounds: OnEachCPU returns by its deadline when f does not
// return, and when it cannot reach a CPU, where f then starts nowhere.
func TestOnEachCPUBounds(t *testing.T) {
	if runtime.GOOS == "tamago" {
		t.Skip("inside the kernel this binary runs on CPU 0 alone: f, pinned there until the test ends, would starve the test")
	}
	withCPUs(t, []int{0, 1}, 0)
	var release atomic.Bool
	defer release.Store(true)

	// f spins (pinned, it may not block) until the test ends
	spin := func(int) {
		for !release.Load() {
		}
	}

	var e *EachError
	err := OnEachCPU(nil, 20*time.Millisecond, spin)
	if !errors.As(err, &e) || !reflect.DeepEqual(e.NotStarted, []int{0, 1}) || !reflect.DeepEqual(e.Unreached, []int{1}) || e.NotReturned != nil {
		t.Errorf("OnEachCPU = %v, want f not started on [0 1], not reached [1]", err)
	}

	err = OnEachCPU([]int{0}, 20*time.Millisecond, spin)
	if !errors.As(err, &e) || !reflect.DeepEqual(e.NotReturned, []int{0}) || e.NotStarted != nil {
		t.Errorf("OnEachCPU = %v, want f not returned on [0]", err)
	}
}

// TestGate: a placed call leaves the gate at the deadline, and the last
// call to arrive opens it.
func TestGate(t *testing.T) {
	g := gate{n: 2, start: time.Now(), timeout: 10 * time.Millisecond}

	if g.wait() || g.in.Load() != 0 {
		t.Fatalf("wait alone = true or left %d in; want false, 0", g.in.Load())
	}

	g.in.Store(1) // the other call, waiting
	if !g.wait() || !g.open() {
		t.Errorf("the second call of a gate of 2 did not open it")
	}
}

// TestOnEachCPUOneAtATime: a call waits for the one running, within its
// timeout.
func TestOnEachCPUOneAtATime(t *testing.T) {
	withCPUs(t, []int{0}, 0)
	running <- struct{}{} // a call in progress
	defer func() { <-running }()

	var e *EachError
	err := OnEachCPU(nil, 10*time.Millisecond, func(int) { t.Error("f ran") })
	if !errors.As(err, &e) || !reflect.DeepEqual(e.NotStarted, []int{0}) {
		t.Errorf("OnEachCPU while another runs = %v, want f not started on [0]", err)
	}
}

func TestOnEachCPU(t *testing.T) {
	withCPUs(t, []int{0}, 0)
	var ran []int

	if err := OnEachCPU(nil, time.Minute, func(cpu int) { ran = append(ran, cpu) }); err != nil || !reflect.DeepEqual(ran, []int{0}) {
		t.Errorf("OnEachCPU = %v, ran on %v; want nil, [0]", err, ran)
	}
}
