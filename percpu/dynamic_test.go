// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu

import (
	"errors"
	"fmt"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"
)

// Zero-size variables, each followed by a one-byte one: every one must have
// an offset of its own.
var (
	vZero1 = Define(struct{}{})
	vZero2 = Define([0]uint64{})
	vAfter = Define[uint8](0x5a)
)

// TestZeroSize: a zero-size variable does not share its offset with the
// next variable, so Remote of one never points at the other's slot.
func TestZeroSize(t *testing.T) {
	fresh(t)

	offs := map[uintptr]string{}
	for name, off := range map[string]uintptr{"zero1": vZero1.Offset(), "zero2": vZero2.Offset(), "after": vAfter.Offset()} {
		if other, ok := offs[off]; ok {
			t.Errorf("%s and %s share offset %#x", name, other, off)
		}
		offs[off] = name
	}

	if unsafe.Pointer(vZero2.Remote(0)) == unsafe.Pointer(vAfter.Remote(0)) {
		t.Errorf("Remote(0) of a zero-size variable is the slot of the next variable")
	}

	runCPUs(1, func(cpu int) {
		vZero2.Write([0]uint64{})
		if got := vAfter.Read(); got != 0x5a {
			t.Errorf("next variable = %#x after a zero-size Write, want 0x5a", got)
		}
	})
}

// TestOffsetLimit: a slot that would end past 2^32 (the offset bits of a
// slot key) is refused with an error naming the limit. The template is made
// to look 4 GiB long without allocating it: New refuses before it touches
// the bytes.
func TestOffsetLimit(t *testing.T) {
	if bits.UintSize < 64 {
		t.Skip("offsets cannot reach 2^32 on a 32-bit host")
	}

	fresh(t)
	resetAreas()

	layout.mu.Lock()
	saved := layout.template
	// a slice header written field by field, which the checkptr
	// instrumentation of -race builds does not see
	var b [64]byte
	n := uint64(maxOffset) - 4
	*(*struct {
		data     unsafe.Pointer
		len, cap int
	})(unsafe.Pointer(&layout.template)) = struct {
		data     unsafe.Pointer
		len, cap int
	}{unsafe.Pointer(&b[0]), int(n), int(n)}
	layout.mu.Unlock()

	_, err := New[uint64](1)

	layout.mu.Lock()
	layout.template = saved
	layout.mu.Unlock()

	wantError(t, "New past 2^32", err, ErrTooBig, "New[uint64]", "0x100000000 (2^32)", "8 bytes")
}

func TestAllocAccessors(t *testing.T) {
	n := fresh(t)

	v, err := Alloc[uint64](42)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Alloc(point{X: 3, Y: 4})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Alloc[uint16](7)
	if err != nil {
		t.Fatal(err)
	}

	if v.Offset() < AreaSize() || v.Offset()+8 > AreaStride() {
		t.Errorf("first allocation at offset %#x, want it in the first chunk [%#x, %#x)", v.Offset(), AreaSize(), AreaStride())
	}

	cpus := testCPUs()

	runCPUs(cpus, func(cpu int) {
		if got := v.Read(); got != 42 {
			t.Errorf("cpu %d: Read = %d, want 42", cpu, got)
		}
		Add(v, uint64(cpu))
		Add(b, 1)
		p.With(func(q *point) { q.X += int32(cpu) })
		if got := p.Read(); got.X != 3+int32(cpu) || got.Y != 4 {
			t.Errorf("cpu %d: point = %v", cpu, got)
		}
		*v.RawPtr() += 1000
		if CPU() != cpu {
			t.Errorf("CPU() = %d, want %d", CPU(), cpu)
		}
	})

	for cpu := 0; cpu < n; cpu++ {
		want, wantB := uint64(42), uint16(7)
		if cpu < cpus {
			want += uint64(cpu) + 1000
			wantB++
		}
		if got := *v.Remote(cpu); got != want {
			t.Errorf("cpu %d: Remote = %d, want %d", cpu, got, want)
		}
		if got := *b.Remote(cpu); got != wantB {
			t.Errorf("cpu %d: uint16 Remote = %d, want %d", cpu, got, wantB)
		}
	}

	runCPUs(1, func(cpu int) {
		v.Reset()
		if got := v.Read(); got != 42 {
			t.Errorf("after Reset: %d, want 42", got)
		}
	})

	for _, err := range []error{Free(v), Free(p), Free(b)} {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestAllocReuse: freed memory is poisoned on every CPU and handed out again.
func TestAllocReuse(t *testing.T) {
	n := fresh(t)

	a, _ := Alloc[uint64](1)
	off := a.Offset()

	if err := Free(a); err != nil {
		t.Fatal(err)
	}

	for cpu := 0; cpu < n; cpu++ {
		if got := *(*uint64)(slotAddr(cpu, off)); got != 0x6b6b6b6b6b6b6b6b {
			t.Errorf("cpu %d: freed slot holds %#x, want the poison", cpu, got)
		}
	}

	b, err := Alloc[uint64](2)
	if err != nil {
		t.Fatal(err)
	}
	if b.Offset() != off {
		t.Errorf("reallocation at %#x, want the freed slot %#x", b.Offset(), off)
	}
	for cpu := 0; cpu < n; cpu++ {
		if got := *b.Remote(cpu); got != 2 {
			t.Errorf("cpu %d: reused slot = %d, want the initial value 2", cpu, got)
		}
	}
}

func TestAllocErrors(t *testing.T) {
	fresh(t)
	stride := AreaStride()

	_, err := Alloc[*int](nil)
	wantError(t, "Alloc[*int]", err, ErrPointers, "type *int", "it is a pointer")

	_, err = Alloc([1024]uint64{})
	wantError(t, "Alloc too big", err, ErrTooBig, "Alloc[[1024]uint64]", "8192 bytes", fmt.Sprintf("at most %d bytes", stride))

	err = Free(vU64)
	wantError(t, "Free of a defined variable", err, ErrNotAllocated, "Free[uint64]", hex(vU64.Offset()), "New or Define")

	err = Free[uint64](nil)
	wantError(t, "Free(nil)", err, ErrNotAllocated, "nil")

	v, _ := Alloc[uint64](5)
	off := v.Offset()
	if err := Free(v); err != nil {
		t.Fatal(err)
	}

	err = Free(v)
	wantError(t, "double free", err, ErrFreed, "Free[uint64]", hex(off), "already freed")

	wantPanic(t, "Remote after Free", func() { v.Remote(0) }, ErrFreed, "Remote[uint64]", hex(off))
	wantPanic(t, "With after Free", func() { v.With(func(*uint64) {}) }, ErrFreed, "With[uint64]")

	// A write through the freed variable: with percpu_debug the accessor
	// panics; without, the next Alloc of the slot finds the poison broken.
	runCPUs(1, func(cpu int) {
		if debug {
			wantPanic(t, "Write after Free", func() { v.Write(9) }, ErrFreed, "Write[uint64]")
			wantPanic(t, "Add after Free", func() { Add(v, 1) }, ErrFreed, "Add[uint64]")
			wantPanic(t, "Read after Free", func() { v.Read() }, ErrFreed, "Read[uint64]")
			*(*uint64)(slotAddr(cpu, off)) = 9 // what the write would have done
			return
		}
		v.Write(9)
	})

	_, err = Alloc[uint64](0)
	wantError(t, "Alloc of a slot written after free", err, ErrPoison, hex(off), "cpu 0", "0x9", "poison 0x6b")

	// the slot stays out of use; the next allocation goes elsewhere
	w, err := Alloc[uint64](0)
	if err != nil || w.Offset() == off {
		t.Errorf("Alloc after a poison error = %v, %v, want a slot other than %#x", w, err, off)
	}

	// before Init
	resetAreas()
	_, err = Alloc[uint32](1)
	wantError(t, "Alloc before Init", err, ErrNotAllocated, "Alloc[uint32]", "before the areas are initialized")
}

// TestAllocNoSpace fills every chunk (heap chunks off, so that the space is
// the memory given to Init), checks the error, frees everything and fills
// it again: all the memory is reused.
func TestAllocNoSpace(t *testing.T) {
	fresh(t)
	dyn.noHeap = true

	type block [64]byte

	fill := func() []*Var[block] {
		var vs []*Var[block]
		for {
			v, err := Alloc(block{1})
			if err != nil {
				wantError(t, "Alloc when full", err, ErrNoSpace, "Alloc[percpu.block]", "no space for 64 bytes",
					"largest free extent", "no memory for another chunk", "bytes left")
				return vs
			}
			vs = append(vs, v)
			if len(vs) > 1<<16 {
				t.Fatal("no ErrNoSpace after 65536 allocations")
			}
		}
	}

	first := fill()
	if len(dyn.chunks) < 2 && !naive {
		t.Errorf("%d chunks: want the first chunk and at least one from the rest of the region", len(dyn.chunks))
	}

	for _, v := range first {
		if err := Free(v); err != nil {
			t.Fatal(err)
		}
	}

	again := fill()
	if len(again) != len(first) {
		t.Errorf("%d allocations after freeing all, want %d again", len(again), len(first))
	}
}

// TestAllocChurn allocates and frees from every CPU at once, with a shadow
// map of the live slots: no two live variables overlap, and the guard words
// at both ends of every variable hold its own id on every CPU until it is
// freed.
func TestAllocChurn(t *testing.T) {
	fresh(t)

	type guarded struct {
		Head uint64
		Body [3]uint64
		Tail uint64
	}

	var (
		mu     sync.Mutex
		shadow = map[uintptr]uint64{} // offset of every live slot -> id
		ids    atomic.Uint64
		failed atomic.Bool
	)

	const perCPU = 2000
	cpus := testCPUs()
	size := unsafe.Sizeof(guarded{})

	claim := func(off uintptr, id uint64) error {
		mu.Lock()
		defer mu.Unlock()
		for o, other := range shadow {
			if off < o+size && o < off+size {
				return fmt.Errorf("variable %d at %#x overlaps live variable %d at %#x", id, off, other, o)
			}
		}
		shadow[off] = id
		return nil
	}

	runCPUs(cpus, func(cpu int) {
		var mine []*Var[guarded]
		for i := 0; i < perCPU && !failed.Load(); i++ {
			if len(mine) < 2 && (i%3 != 2 || len(mine) == 0) {
				id := ids.Add(1)
				v, err := Alloc(guarded{Head: id, Tail: id})
				if err != nil {
					t.Errorf("cpu %d: %v", cpu, err)
					failed.Store(true)
					return
				}
				if err := claim(v.Offset(), id); err != nil {
					t.Error(err)
					failed.Store(true)
				}
				mine = append(mine, v)
				continue
			}

			v := mine[0]
			mine = mine[1:]
			if err := checkGuards(v, size); err != nil {
				t.Error(err)
				failed.Store(true)
			}
			mu.Lock()
			delete(shadow, v.Offset())
			mu.Unlock()
			if err := Free(v); err != nil {
				t.Error(err)
				failed.Store(true)
			}
		}
		for _, v := range mine {
			if err := checkGuards(v, size); err != nil {
				t.Error(err)
			}
			mu.Lock()
			delete(shadow, v.Offset())
			mu.Unlock()
			Free(v)
		}
	})

	if dyn.live != 0 {
		t.Errorf("%d variables live after every one was freed", dyn.live)
	}
}

// checkGuards checks that the first and last word of v hold the same id on
// every CPU.
func checkGuards[T any](v *Var[T], size uintptr) error {
	var id uint64
	for cpu := 0; cpu < AreaNum(); cpu++ {
		p := unsafe.Pointer(v.Remote(cpu))
		head, tail := *(*uint64)(p), *(*uint64)(unsafe.Add(p, size-8))
		if cpu == 0 {
			id = head
		}
		if head != id || tail != id {
			return fmt.Errorf("variable at %#x, cpu %d: guard words %#x, %#x, want %#x", v.Offset(), cpu, head, tail, id)
		}
	}
	return nil
}

func TestCounter(t *testing.T) {
	n := fresh(t)

	c, err := NewCounter()
	if err != nil {
		t.Fatal(err)
	}

	const adds = 10000
	cpus := testCPUs()

	runCPUs(cpus, func(cpu int) {
		for i := 0; i < adds; i++ {
			c.Add(1)
		}
		c.Add(-int64(cpu))
	})

	want := int64(cpus * adds)
	for cpu := 0; cpu < cpus; cpu++ {
		want -= int64(cpu)
	}

	if got := c.Sum(); got != want {
		t.Errorf("Sum = %d, want %d", got, want)
	}

	// the online set limits Sum
	if err := SetOnline([]int{0}); err != nil {
		t.Fatal(err)
	}
	if got := c.Sum(); got != adds {
		t.Errorf("Sum over cpu 0 = %d, want %d", got, adds)
	}
	SetOnline(nil)

	c.Reset()
	for cpu := 0; cpu < n; cpu++ {
		if got := *c.Var().Remote(cpu); got != 0 {
			t.Errorf("cpu %d after Reset: %d", cpu, got)
		}
	}

	if err := c.Free(); err != nil {
		t.Fatal(err)
	}
	wantError(t, "Counter freed twice", c.Free(), ErrFreed, "already freed")
}

func TestSetOnline(t *testing.T) {
	n := fresh(t)

	wantError(t, "SetOnline out of range", SetOnline([]int{0, n}), ErrOnline, fmt.Sprintf("cpu %d out of range", n), plural(n, "area"))
	wantError(t, "SetOnline negative", SetOnline([]int{-1}), ErrOnline, "cpu -1 out of range")
	wantError(t, "SetOnline duplicate", SetOnline([]int{0, 0}), ErrOnline, "cpu 0 listed twice")
	wantError(t, "SetOnline empty", SetOnline([]int{}), ErrOnline, "empty")

	if got := Online(); len(got) != n {
		t.Errorf("Online() = %v by default, want all %d areas", got, n)
	}

	if n < 2 {
		return
	}

	set := []int{1, 0}
	if err := SetOnline(set); err != nil {
		t.Fatal(err)
	}
	set[0] = 5 // SetOnline keeps a copy

	var seen []int
	ForEach(vU64, func(cpu int, p *uint64) {
		seen = append(seen, cpu)
		if p != vU64.Remote(cpu) {
			t.Errorf("ForEach gave cpu %d the pointer %p, want %p", cpu, p, vU64.Remote(cpu))
		}
	})
	if fmt.Sprint(seen) != "[1 0]" {
		t.Errorf("ForEach visited %v, want [1 0]", seen)
	}
}

// TestSumConcurrent: Sum while writers add 1 lies between the total before
// and the total after the call (the bound of Sum for non-negative deltas).
// Each writer publishes how many adds it completed; an add is in the slot
// before it is published, and at most one per writer is in the slot and not
// yet published.
func TestSumConcurrent(t *testing.T) {
	fresh(t)

	if !threadCPUs {
		t.Skip("writers run at the same time only where threads are CPUs")
	}

	c, _ := NewCounter()
	writers := testCPUs() - 1
	done := make([]atomic.Int64, writers)
	var stop atomic.Bool
	var wg sync.WaitGroup

	published := func() int64 {
		var s int64
		for i := range done {
			s += done[i].Load()
		}
		return s
	}

	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			InitReg(w + 1)
			for !stop.Load() {
				c.Add(1)
				done[w].Add(1)
			}
		}()
	}

	for i := 0; i < 2000; i++ {
		lo := published()
		s := c.Sum()
		hi := published() + int64(writers)
		if s < lo || s > hi {
			t.Errorf("Sum = %d during adds, want within [%d, %d]", s, lo, hi)
			break
		}
	}

	stop.Store(true)
	wg.Wait()

	if s, p := c.Sum(), published(); s != p {
		t.Errorf("Sum = %d at quiescence, want %d", s, p)
	}
}

// TestRemoteReadWhileWriting: the rule of ForEach. While the owner writes
// two patterns with Write, a remote atomic load sees one or the other, never
// a mix of both.
func TestRemoteReadWhileWriting(t *testing.T) {
	fresh(t)

	if !threadCPUs {
		t.Skip("the writer runs at the same time only where threads are CPUs")
	}

	v, _ := Alloc[uint64](0)
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)

	const a, b = 0x0000000000000000, 0xffffffffffffffff

	go func() {
		defer wg.Done()
		InitReg(1)
		for i := 0; !stop.Load(); i++ {
			v.Write(a)
			v.Write(b)
		}
	}()

	for i := 0; i < 100000; i++ {
		if got := Sum(v); got != a && got != b {
			t.Errorf("remote load saw %#x while the owner wrote %#x and %#x", got, uint64(a), uint64(b))
			break
		}
	}

	stop.Store(true)
	wg.Wait()
}

var _ = errors.Is

// TestCheckPoison: a write past the end of an allocated variable, into free
// memory, is found by CheckPoison, naming the offset and the CPU.
func TestCheckPoison(t *testing.T) {
	fresh(t)

	if err := CheckPoison(); err != nil {
		t.Fatalf("CheckPoison after Init: %v", err)
	}

	v, _ := Alloc[uint32](1)
	past := v.Offset() + 4
	*(*byte)(slotAddr(0, past)) = 1

	wantError(t, "CheckPoison after a write past the end", CheckPoison(), ErrPoison, hex(past), "cpu 0", "is 0x1", "poison 0x6b")
}

// TestAtomicAdd: the owners add with AtomicAdd while another goroutine
// drains their slots remotely with atomic swaps; no add is lost. (With Add,
// a load, an add and a store on arm64 and riscv64, and an ADD without LOCK
// on x86, a swap between the owner's load and store would be undone.)
func TestAtomicAdd(t *testing.T) {
	fresh(t)

	v, _ := Alloc[uint64](0)
	defer Free(v)

	const adds = 20000
	cpus := testCPUs()
	var drained atomic.Uint64
	var stop atomic.Bool
	done := make(chan struct{})

	go func() {
		defer close(done)
		for !stop.Load() {
			for cpu := 0; cpu < cpus; cpu++ {
				drained.Add(atomic.SwapUint64(v.Remote(cpu), 0))
			}
			// no preemption inside the kernel: a loop that never
			// yields keeps its CPU from the calls of runCPUs
			runtime.Gosched()
		}
	}()

	runCPUs(cpus, func(cpu int) {
		for i := 0; i < adds; i++ {
			AtomicAdd(v, 1)
		}
	})

	stop.Store(true)
	<-done

	if got, want := drained.Load()+Sum(v), uint64(cpus*adds); got != want {
		t.Errorf("drained + left = %d, want %d adds", got, want)
	}

	w, _ := Alloc[int32](5)
	defer Free(w)
	runCPUs(1, func(cpu int) {
		if got := AtomicAdd(w, -7); got != -2 {
			t.Errorf("AtomicAdd(int32 5, -7) = %d, want -2", got)
		}
	})
}

// TestCounterBatched: Estimate stays within (batch-1) per area of Sum at
// quiescence, Sum is exact, and Reset clears the shared count too.
func TestCounterBatched(t *testing.T) {
	fresh(t)

	c, _ := NewCounter()
	defer c.Free()

	const adds, batch = 10000, 32
	cpus := testCPUs()

	runCPUs(cpus, func(cpu int) {
		for i := 0; i < adds; i++ {
			c.AddBatched(1, batch)
		}
		c.AddBatched(-5, batch)
	})

	want := int64(cpus * (adds - 5))
	if got := c.Sum(); got != want {
		t.Errorf("Sum = %d, want %d", got, want)
	}

	bound := int64(batch-1) * int64(AreaNum())
	if est := c.Estimate(); est-want > bound || want-est > bound {
		t.Errorf("Estimate = %d, want within %d of %d", est, bound, want)
	}
	if c.Estimate() == 0 {
		t.Errorf("Estimate = 0: nothing was folded")
	}

	c.Reset()
	if c.Sum() != 0 || c.Estimate() != 0 {
		t.Errorf("after Reset: Sum %d, Estimate %d", c.Sum(), c.Estimate())
	}
}
