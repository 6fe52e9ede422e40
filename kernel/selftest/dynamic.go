// Boot-time self-tests of per-CPU data
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package selftest

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/console"
	"github.com/tamago-smp/kernel/linker"
	"github.com/tamago-smp/kernel/percpu"
)

// ChurnAllocs is the number of allocations of the churn test, over all CPUs,
// with up to 8 CPUs; with more, ChurnAllocs*8/n (see [churnAllocs]): every
// CPU still churns, on one lock, and under emulation with many more CPUs
// than host cores every hand-over of that lock waits for host time.
const ChurnAllocs = 100_000

// churnAllocs returns the allocations of the churn test on n CPUs.
func churnAllocs(n int) int {
	return ChurnAllocs * 8 / max(n, 8)
}

// churnLive bounds the variables one CPU holds at once in the churn test.
const churnLive = 4

// dynStressAdds is the number of adds each adding goroutine of the dynamic
// stress test does; dynStressGoroutines run per CPU.
const (
	dynStressAdds       = 20_000
	dynStressGoroutines = 4
)

// guarded is the type of the churn test: two guard words holding the id of
// the allocation, around a body.
type guarded struct {
	Head uint64
	Body [2]uint64
	Tail uint64
}

// Dynamic runs the self-tests of dynamic per-CPU variables (percpu.Alloc,
// Free, Counter, Sum) on the CPUs t checks and records their results in t:
//
//	dynamic/churn cpu=<id>           every CPU at once allocates and frees
//	                                 (ChurnAllocs in all); a shadow map of
//	                                 the live slots proves that no two live
//	                                 variables overlap, the guard words of
//	                                 every variable hold its id on every CPU
//	                                 until it is freed, and free memory
//	                                 keeps its poison
//	dynamic/stress cpu=0             goroutines free to migrate add to an
//	                                 allocated Counter and Var; a reader
//	                                 checks Sum against its bound while they
//	                                 run; at quiescence both are exact
//	dynamic/isr-goroutine cpu=0      TamaGo's interrupt model: an interrupt
//	                                 is serviced by a goroutine woken by the
//	                                 handler; its adds and those of the code
//	                                 it interrupted are all counted
//	dynamic/atomic-add cpu=0         percpu.AtomicAdd while another goroutine
//	                                 drains every slot with atomic swaps: no
//	                                 add is lost or counted twice
//	dynamic/heap-chunk cpu=0         variables past the linker region, in
//	                                 chunks of Go heap memory, work on every
//	                                 CPU through the same offset
func Dynamic(t *console.Tally) {
	w, on := t.Writer(), t.Online()
	n := len(on)
	report := t.Result

	hv, heap, herr := heapVars()
	defer func() {
		for _, v := range hv {
			percpu.Free(v)
		}
	}()

	errs := make([]error, boot.MaxCPUs)
	perCPU := (churnAllocs(n) + n - 1) / n
	var arrived atomic.Int32

	var missed []int
	err := boot.OnEachCPU(on, phaseTimeout, func(cpu int) {
		// the heap-chunk test's local access, in the same phase
		for _, v := range hv {
			v.With(func(b *big) { b.N += 100 })
		}

		arrive(&arrived, n)
		errs[cpu] = churn(cpu, perCPU)
	})
	var notStarted []int // did not add 100 to the heap-chunk variables
	if e, ok := err.(*boot.EachError); ok {
		missed = append(e.NotStarted, e.NotReturned...)
		notStarted = e.NotStarted
	} else if err != nil {
		missed, notStarted = on, on
	}
	for _, cpu := range missed {
		errs[cpu] = console.Errorf("did not run to completion on this CPU within %v", phaseTimeout)
	}
	if err := percpu.CheckPoison(); err != nil {
		errs[0] = first(errs[0], err)
	}
	for _, cpu := range on {
		report("dynamic/churn", cpu, errs[cpu])
	}
	fmt.Fprintf(w, "dynamic: churn: %d allocations and frees on %d CPUs at once, %d bytes each\n",
		perCPU*n, n, unsafe.Sizeof(guarded{}))

	report("dynamic/stress", 0, dynamicStress(w, n))
	report("dynamic/isr-goroutine", 0, isrGoroutine())
	report("dynamic/atomic-add", 0, atomicAdd(n))
	report("dynamic/heap-chunk", 0, first(herr, checkHeapVars(w, hv, heap, notStarted, on)))
}

// churnLock guards churnShadow; it spins, since the churn runs pinned.
var churnLock atomic.Uint32

// churnShadow maps the offset of every live variable of the churn test to
// its id.
var churnShadow = map[uintptr]uint64{}

// churnIDs numbers the allocations of the churn test.
var churnIDs atomic.Uint64

func shadowLock() {
	for !churnLock.CompareAndSwap(0, 1) {
	}
}

func shadowUnlock() { churnLock.Store(0) }

// claim records [off, off+size) as live variable id, or returns the live
// variable it overlaps.
func claim(off uintptr, id uint64) error {
	size := unsafe.Sizeof(guarded{})

	shadowLock()
	defer shadowUnlock()

	for o, other := range churnShadow {
		if off < o+size && o < off+size {
			return console.Errorf("variable %d at offset %#x overlaps live variable %d at offset %#x", id, off, other, o)
		}
	}
	churnShadow[off] = id

	return nil
}

func unclaim(off uintptr) {
	shadowLock()
	delete(churnShadow, off)
	shadowUnlock()
}

// churn allocates allocs variables on this CPU, holding up to churnLive at
// once, checks and frees them.
func churn(cpu, allocs int) error {
	live := make([]*percpu.Var[guarded], 0, churnLive)

	release := func(v *percpu.Var[guarded]) error {
		if err := checkGuarded(v); err != nil {
			return err
		}
		unclaim(v.Offset())
		return percpu.Free(v)
	}

	for i := 0; i < allocs; i++ {
		if len(live) == churnLive {
			if err := release(live[0]); err != nil {
				return err
			}
			live = append(live[:0], live[1:]...)
		}

		id := churnIDs.Add(1)
		v, err := percpu.Alloc(guarded{Head: id, Tail: id})
		if err != nil {
			return console.Errorf("allocation %d: %v", i, err)
		}
		if err := claim(v.Offset(), id); err != nil {
			return err
		}

		// the owner writes its body locally, on its own slot only
		v.With(func(g *guarded) { g.Body[0], g.Body[1] = id, uint64(cpu) })
		live = append(live, v)
	}

	for _, v := range live {
		if err := release(v); err != nil {
			return err
		}
	}

	return nil
}

// checkGuarded checks that both guard words of v hold the same id on every
// CPU.
func checkGuarded(v *percpu.Var[guarded]) error {
	id := v.Remote(0).Head

	for cpu := 0; cpu < percpu.AreaNum(); cpu++ {
		g := v.Remote(cpu)
		if g.Head != id || g.Tail != id {
			return console.Errorf("variable at offset %#x, cpu %d: guard words %#x, %#x, want %#x", v.Offset(), cpu, g.Head, g.Tail, id)
		}
	}

	return nil
}

// dynamicStress: dynStressGoroutines * n goroutines, free to migrate, add 1
// to an allocated Counter and to an allocated Var, publishing how many adds
// they completed; a reader checks that every Counter.Sum lies within its
// bound while they run: at least the adds published before the call, at
// most those published after it plus one per goroutine (an add in the slot
// and not yet published). At quiescence both sums are exact.
func dynamicStress(w io.Writer, n int) error {
	c, err := percpu.NewCounter()
	if err != nil {
		return err
	}
	defer c.Free()

	v, err := percpu.Alloc[uint64](0)
	if err != nil {
		return err
	}
	defer percpu.Free(v)

	g := dynStressGoroutines * n
	done := make([]atomic.Uint64, g)

	published := func() (s uint64) {
		for i := range done {
			s += done[i].Load()
		}
		return
	}

	var sums int
	var bad error

	start := time.Now()

	err = runAdders(g, func(i, j int) {
		c.Add(1)
		percpu.Add(v, 1)
		done[i].Store(uint64(j))
	}, func() {
		lo := published()
		s := c.Sum()
		hi := published() + uint64(g)
		if s < int64(lo) || s > int64(hi) {
			bad = first(bad, console.Errorf("Sum = %d while adding, want within [%d, %d]", s, lo, hi))
		}
		sums++
	})
	if err != nil {
		return err
	}

	want := uint64(g) * dynStressAdds
	fmt.Fprintf(w, "dynamic: stress: %d adds by %d goroutines on %d CPUs in %v; %d sums while adding\n",
		2*want, g, n, time.Since(start).Round(time.Millisecond), sums)

	return first(bad,
		expect("Counter.Sum at quiescence", c.Sum(), int64(want)),
		expect("percpu.Sum of the allocated variable at quiescence", percpu.Sum(v), want))
}

// runAdders starts g goroutines, free to migrate, each calling add(i, j)
// for j = 1..dynStressAdds (i is the goroutine's number) and yielding every
// 256 calls; meanwhile it calls poll and yields, until every goroutine
// finished or stressTimeout passed. It fails if some did not finish.
func runAdders(g int, add func(i, j int), poll func()) error {
	var finished atomic.Int32

	for i := 0; i < g; i++ {
		go func() {
			defer finished.Add(1)
			for j := 1; j <= dynStressAdds; j++ {
				add(i, j)
				if j%256 == 0 {
					runtime.Gosched()
				}
			}
		}()
	}

	for deadline := time.Now().Add(stressTimeout); finished.Load() < int32(g) && time.Now().Before(deadline); {
		poll()
		runtime.Gosched()
	}

	if f := finished.Load(); f != int32(g) {
		return console.Errorf("%d of %d goroutines finished within %v", f, g, stressTimeout)
	}

	return nil
}

// isrAdds is the number of adds of the interrupted code in isrGoroutine.
const isrAdds = 100_000

// isrGoroutine checks TamaGo's interrupt model against a per-CPU counter:
// the exception handler only wakes a goroutine (arm64.ServiceInterrupts,
// runtime.WakeG) and the service routine runs as that goroutine, at a
// scheduling point, never in the middle of an assembly leaf. Here the
// "handler" sets a pending flag and the service goroutine, which may run on
// the same CPU, adds 1 to the same counter as the interrupted code: every
// add of both is counted.
func isrGoroutine() error {
	c, err := percpu.NewCounter()
	if err != nil {
		return err
	}
	defer c.Free()

	// The "handler" raises a pending flag; the service goroutine yields
	// until it sees one (it never parks: on these kernels every park and
	// wake-up of a goroutine is a chance for the scheduler to ask for an
	// M beyond the CPUs, see docs/RELIABILITY.md).
	var pending, stop atomic.Bool
	var serviced atomic.Int64
	var stopped atomic.Bool

	go func() {
		defer stopped.Store(true)
		for !stop.Load() || pending.Load() {
			if pending.CompareAndSwap(true, false) {
				c.Add(1)
				serviced.Add(1)
			}
			runtime.Gosched()
		}
	}()

	var raised int64
	for i := 0; i < isrAdds; i++ {
		c.Add(1)
		if i%64 == 0 && pending.CompareAndSwap(false, true) {
			raised++
		}
		if i%256 == 0 {
			runtime.Gosched()
		}
	}

	stop.Store(true)
	for deadline := time.Now().Add(stressTimeout); !stopped.Load() && time.Now().Before(deadline); {
		runtime.Gosched()
	}
	if !stopped.Load() {
		return console.Errorf("the service goroutine did not stop within %v", stressTimeout)
	}

	return first(
		expect("interrupts serviced", serviced.Load(), raised),
		expect("Counter.Sum", c.Sum(), isrAdds+raised))
}

// atomicAdd: dynStressGoroutines * n goroutines, free to migrate, add 1 with
// percpu.AtomicAdd while a drainer swaps every CPU's slot to 0 and keeps
// what it took: the drained and the remaining counts add up to every add.
// (With percpu.Add the owner's store can put back a value the drainer
// already took.)
func atomicAdd(n int) error {
	v, err := percpu.Alloc[uint64](0)
	if err != nil {
		return err
	}
	defer percpu.Free(v)

	g := dynStressGoroutines * n
	var drained uint64

	err = runAdders(g, func(int, int) {
		percpu.AtomicAdd(v, 1)
	}, func() {
		for cpu := 0; cpu < percpu.AreaNum(); cpu++ {
			drained += atomic.SwapUint64(v.Remote(cpu), 0)
		}
	})
	if err != nil {
		return err
	}

	return expect("drained + remaining", drained+percpu.Sum(v), uint64(g)*dynStressAdds)
}

// big is the type of heapChunk: too large for two to share a chunk of the
// demo kernel (384-byte stride).
type big struct {
	N   uint64
	Pad [192]byte
}

// heapChunks is the number of variables heapChunk allocates: the first
// chunk and the chunk in the rest of the linker region hold one each, so
// the others are in heap chunks.
const heapChunks = 4

// heapVars allocates heapChunks variables of type big and returns them
// and how many of them are past the linker region, in a heap chunk. Each
// CPU adds 100 to its copy of each (in the churn phase), and
// checkHeapVars checks every copy.
func heapVars() (vs []*percpu.Var[big], heap int, err error) {
	start, end := linker.Region()

	for i := 0; i < heapChunks; i++ {
		v, err := percpu.Alloc(big{N: uint64(i)})
		if err != nil {
			return vs, heap, console.Errorf("allocation %d: %v", i, err)
		}
		vs = append(vs, v)

		if a := uintptr(unsafe.Pointer(v.Remote(0))); a < start || a >= end {
			heap++
		}
	}

	if heap == 0 {
		return vs, heap, console.Errorf("%d variables of %d bytes all in the linker region: no heap chunk was needed", heapChunks, unsafe.Sizeof(big{}))
	}

	return vs, heap, nil
}

// checkHeapVars checks the copies of the variables of heapVars on every
// CPU: the initial value plus 100 on each of the online CPUs that ran the
// phase.
func checkHeapVars(w io.Writer, vs []*percpu.Var[big], heap int, missed []int, on []int) error {
	for i, v := range vs {
		for cpu := 0; cpu < percpu.AreaNum(); cpu++ {
			want := uint64(i)
			if slices.Contains(on, cpu) && !slices.Contains(missed, cpu) {
				want += 100
			}
			if got := v.Remote(cpu).N; got != want {
				return console.Errorf("variable %d (offset %#x), cpu %d: %d, want %d", i, v.Offset(), cpu, got, want)
			}
		}
	}

	fmt.Fprintf(w, "dynamic: heap chunks: %d of %d variables of %d bytes past the linker region, offsets", heap, len(vs), unsafe.Sizeof(big{}))
	for _, v := range vs {
		fmt.Fprintf(w, " %#x", v.Offset())
	}
	fmt.Fprintln(w)

	return nil
}
