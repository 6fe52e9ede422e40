// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu

import (
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"sync/atomic"
	"unsafe"

	"github.com/tamago-smp/kernel/linker"
)

// Dynamic variables live in chunks. A chunk has the same per-CPU stride as
// the areas, so that the slot of CPU i is at area i's base plus one offset,
// the same for every CPU, and the fast paths serve dynamic variables
// unchanged:
//
//	first chunk    the DynamicReserve bytes (and the padding to a cache
//	               line) after the defined variables, inside every area
//	later chunks   n*stride bytes after the areas: the rest of the memory
//	               given to Init or InitInPlace, then (when that is used up)
//	               Go heap memory, if it lies above area 0 within the
//	               offset limit of slot keys (2^32 bytes)
//
// Free memory in a chunk holds the poison byte on every CPU. Alloc checks
// the poison of the slot it hands out on every CPU: a write through a freed
// variable shows there (ErrPoison).

// poisonByte fills free dynamic memory (Linux slab POISON_FREE).
const poisonByte = 0x6b

// poisonWord is poisonByte in every byte of a word.
const poisonWord = poisonByte * 0x0101010101010101

// poison fills b with poisonByte, a word at a time where b is word aligned.
func poison(b []byte) {
	i := 0
	if uintptr(unsafe.Pointer(unsafe.SliceData(b)))%8 == 0 {
		for ; i+8 <= len(b); i += 8 {
			*(*uint64)(unsafe.Pointer(&b[i])) = poisonWord
		}
	}
	for ; i < len(b); i++ {
		b[i] = poisonByte
	}
}

// unpoisoned returns the index of the first byte of b that is not
// poisonByte, or -1.
func unpoisoned(b []byte) int {
	i := 0
	if uintptr(unsafe.Pointer(unsafe.SliceData(b)))%8 == 0 {
		for ; i+8 <= len(b) && *(*uint64)(unsafe.Pointer(&b[i])) == poisonWord; i += 8 {
		}
	}
	for ; i < len(b); i++ {
		if b[i] != poisonByte {
			return i
		}
	}
	return -1
}

// extent is a free range of a chunk, as offsets from every area base.
type extent struct{ off, size uintptr }

// chunk is one range of dynamic slots, size bytes on every CPU at offset off
// from every area base.
type chunk struct {
	off, size uintptr
	free      []extent // sorted by off, never adjacent
	mem       []byte   // the heap memory of a heap chunk, kept alive; nil otherwise
}

// dyn is the state of the dynamic allocator, guarded by dyn.lock.
var dyn struct {
	lock   spinLock
	chunks []*chunk
	next   uintptr // next address for a later chunk in the memory given to Init
	end    uintptr // end of that memory
	heap   string  // why a heap chunk cannot serve, "" until a heap chunk was refused
	live   int     // variables allocated and not freed
	used   uintptr // bytes per CPU they use

	// noHeap keeps Alloc from taking heap chunks (tests of ErrNoSpace).
	noHeap bool
}

// dynInit sets up the first chunk and the memory for later chunks once the
// areas are laid out: the areas from base, memory up to end. Called by
// initAreas.
func dynInit(base, end uintptr) {
	dyn.chunks = nil
	dyn.heap = ""
	dyn.live = 0
	dyn.used = 0
	dyn.next = base + uintptr(areas.num)*areas.stride
	dyn.end = max(end, dyn.next)

	if off := alignUp(areas.size, 8); off < areas.stride {
		dyn.chunks = append(dyn.chunks, &chunk{off: off, size: areas.stride - off,
			free: []extent{{off, areas.stride - off}}})
	}
}

// spinLock guards the allocator. It pins the goroutine while held, so that
// the holder is never preempted and a goroutine that is pinned itself (in
// boot.OnEachCPU, in With) may allocate: it never parks, which a pinned
// goroutine must not do, and on TamaGo every holder runs on a CPU of its own.
type spinLock struct{ v atomic.Uint32 }

func (l *spinLock) lock() {
	procPin()

	for !l.v.CompareAndSwap(0, 1) {
		for spins := 1; l.v.Load() != 0; spins++ {
			if spins%64 == 0 {
				relax()
			}
		}
	}
}

func (l *spinLock) unlock() {
	l.v.Store(0)
	procUnpin()
}

// Alloc allocates a per-CPU variable of type T after the areas were
// initialized, with init as its value on every CPU, and returns it. An
// allocated variable works with every accessor, on the same single-call fast
// paths as a defined one: its slot is at one offset from every area base.
// Give it back with [Free]; its memory is then reused.
//
// T must not hold pointers and must fit in a chunk: at most [AreaStride]
// bytes.
//
// Alloc returns an error wrapping [ErrPointers] (as [New]), [ErrTooBig]
// naming the size of T and the limit, [ErrNoSpace] naming the size wanted
// and the space left, [ErrPoison] if the slot it was about to hand out was
// written after it was freed (the slot is then left unused), or
// [ErrNotAllocated] before the areas are initialized (use [Define] there).
//
// Cost: a spin lock, a first-fit search of the free extents, and a copy of
// init into every area (and a check of the poison there): linear in
// [AreaNum].
//
// Concurrency: Alloc and Free may be called from any goroutine at once, on
// any CPU, pinned or not (they never park).
func Alloc[T any](init T) (*Var[T], error) {
	t := reflect.TypeFor[T]()

	off, err := dynAlloc("Alloc", t)
	if err != nil {
		return nil, err
	}

	v := &Var[T]{off: off, init: init}
	v.state.Store(varLive)

	src := unsafe.Slice((*byte)(unsafe.Pointer(&v.init)), t.Size())
	size, _ := slotShape(t)

	for cpu := 0; cpu < areas.num; cpu++ {
		dst := unsafe.Slice((*byte)(slotAddr(cpu, off)), size)
		clear(dst)
		copy(dst, src)
	}

	return v, nil
}

// Free gives back a variable allocated with [Alloc]: its slot is poisoned on
// every CPU and reused by later allocations. v must not be used afterwards:
// [Var.Remote], [Var.With] and Free panic or fail with [ErrFreed] on it, and
// with the build tag percpu_debug every accessor does; without the tag a
// single-call access through a freed variable reaches the reused slot, and a
// write there is found by the poison check of the next Alloc of that slot
// ([ErrPoison]).
//
// Free returns an error wrapping [ErrNotAllocated] if v is nil or was
// defined with [New] or [Define], and [ErrFreed] if v was already freed
// (double free).
func Free[T any](v *Var[T]) error {
	return dynFree(v, reflect.TypeFor[T]())
}

// dynFree is Free for a variable of type t; v is nil or a *Var of t.
func dynFree[T any](v *Var[T], t reflect.Type) error {
	if v == nil {
		return newError(ErrNotAllocated, "Free[%s] of a nil variable", t)
	}

	switch v.state.Load() {
	case varStatic:
		return newError(ErrNotAllocated, "Free[%s] of the variable at offset %#x, defined with New or Define: only variables from Alloc can be freed",
			t, v.off)
	}

	if !v.state.CompareAndSwap(varLive, varFreed) {
		return errFreed("Free", t, v.off)
	}

	size, _ := slotShape(t)

	for cpu := 0; cpu < areas.num; cpu++ {
		poison(unsafe.Slice((*byte)(slotAddr(cpu, v.off)), size))
	}

	dyn.lock.lock()
	c := chunkOf(v.off)
	c.release(v.off, size)
	dyn.live--
	dyn.used -= size
	dyn.lock.unlock()

	return nil
}

// errFreed is the error of a use of the freed variable of type t at offset
// off by the function fn.
func errFreed(fn string, t reflect.Type, off uintptr) error {
	return newError(ErrFreed, "%s[%s] of the variable at offset %#x, which was already freed (use after free, or double free)",
		fn, t, off)
}

// freed panics for an access through a freed variable.
//
//go:noinline
func freed(fn string, t reflect.Type, off uintptr) {
	panic(errFreed(fn, t, off))
}

// slotAddr returns the address of offset off in the area of CPU cpu.
func slotAddr(cpu int, off uintptr) unsafe.Pointer {
	return addrPointer(uintptr(areas.base) + uintptr(cpu)*areas.stride + off)
}

// dynAlloc reserves a slot for a variable of type t and returns its offset,
// after checking its poison on every CPU. fn names the caller.
func dynAlloc(fn string, t reflect.Type) (uintptr, error) {
	if err := pointerError(t); err != nil {
		return 0, err
	}

	if !initialized.Load() {
		return 0, newError(ErrNotAllocated, "%s[%s] before the areas are initialized (InitInPlace/Init): define the variable with Define",
			fn, t)
	}

	size, align := slotShape(t)

	if size > areas.stride {
		return 0, newError(ErrTooBig, "%s[%s]: %s, but a dynamic variable holds at most %s (the area stride, the per-CPU size of a chunk)",
			fn, t, plural(int(size), "byte"), plural(int(areas.stride), "byte"))
	}

	dyn.lock.lock()
	off, ok := dynFindLocked(size, align)
	if !ok {
		if err := dynGrowLocked(); err != nil {
			err = newError(ErrNoSpace, "%s[%s]: no space for %s (aligned to %d) in %s: %s in %s allocated, largest free extent %s; %v",
				fn, t, plural(int(size), "byte"), align, plural(len(dyn.chunks), "chunk"),
				plural(int(dyn.used), "byte"), plural(dyn.live, "variable"), plural(int(dynLargestLocked()), "byte"), err)
			dyn.lock.unlock()
			return 0, err
		}
		off, ok = dynFindLocked(size, align)
	}
	if ok {
		dyn.live++
		dyn.used += size
	}
	dyn.lock.unlock()

	if !ok { // a new chunk is a stride per CPU, which holds size: cannot happen
		panic(fmt.Sprintf("percpu: no room for %d bytes in a new chunk", size))
	}

	for cpu := 0; cpu < areas.num; cpu++ {
		b := unsafe.Slice((*byte)(slotAddr(cpu, off)), size)
		if i := unpoisoned(b); i >= 0 {
			// leave the slot reserved: it is not known to be free
			return 0, newError(ErrPoison, "%s[%s]: byte %d of the free slot at offset %#x on cpu %d is %#x, want the poison %#x: it was written after it was freed; the slot stays unused",
				fn, t, i, off, cpu, b[i], poisonByte)
		}
	}

	return off, nil
}

// dynFindLocked reserves size bytes aligned to align in the first chunk that
// has room (first fit). Callers hold dyn.lock.
func dynFindLocked(size, align uintptr) (uintptr, bool) {
	for _, c := range dyn.chunks {
		for i, e := range c.free {
			off := alignUp(e.off, align)
			if off+size > e.off+e.size {
				continue
			}

			// split e into [e.off, off) and [off+size, end)
			end := e.off + e.size
			var keep []extent
			if off > e.off {
				keep = append(keep, extent{e.off, off - e.off})
			}
			if off+size < end {
				keep = append(keep, extent{off + size, end - off - size})
			}
			c.free = slices.Replace(c.free, i, i+1, keep...)

			return off, true
		}
	}

	return 0, false
}

// dynLargestLocked returns the size of the largest free extent.
func dynLargestLocked() uintptr {
	var n uintptr
	for _, c := range dyn.chunks {
		for _, e := range c.free {
			n = max(n, e.size)
		}
	}
	return n
}

// chunkOf returns the chunk that holds offset off. Callers hold dyn.lock.
func chunkOf(off uintptr) *chunk {
	for _, c := range dyn.chunks {
		if off >= c.off && off < c.off+c.size {
			return c
		}
	}

	panic(fmt.Sprintf("percpu: offset %#x is in no chunk", off))
}

// release returns [off, off+size) to the free extents of c, merged with its
// neighbors.
func (c *chunk) release(off, size uintptr) {
	i, _ := slices.BinarySearchFunc(c.free, off, func(e extent, off uintptr) int {
		return int(int64(e.off) - int64(off))
	})

	e := extent{off, size}

	if i > 0 && c.free[i-1].off+c.free[i-1].size == off {
		i--
		e = extent{c.free[i].off, c.free[i].size + size}
		c.free = slices.Delete(c.free, i, i+1)
	}

	if i < len(c.free) && e.off+e.size == c.free[i].off {
		e.size += c.free[i].size
		c.free = slices.Delete(c.free, i, i+1)
	}

	c.free = slices.Insert(c.free, i, e)
}

// dynGrowLocked adds a chunk: from the memory given to Init after the areas
// if a chunk still fits there, otherwise from the Go heap. It returns why
// neither can serve. Callers hold dyn.lock.
func dynGrowLocked() error {
	n, stride := uintptr(areas.num), areas.stride
	base := uintptr(areas.base)
	need := n * stride

	if dyn.end-dyn.next >= need && uint64(dyn.next-base)+uint64(stride) <= maxOffset {
		addr := dyn.next
		dyn.next += need
		poison(unsafe.Slice((*byte)(addrPointer(addr)), need))
		dyn.chunks = append(dyn.chunks, &chunk{off: addr - base, size: stride,
			free: []extent{{addr - base, stride}}})
		return nil
	}

	why := fmt.Sprintf("no memory for another chunk of %d bytes (%s of %d bytes): %s left after the areas and chunks at %#x",
		need, plural(int(n), "area"), stride, plural(int(dyn.end-dyn.next), "byte"), dyn.next)

	switch {
	case dyn.noHeap:
		return fmt.Errorf("%s, heap chunks off", why)
	case dyn.heap != "":
		return fmt.Errorf("%s, %s", why, dyn.heap)
	}

	// The garbage collector never moves heap memory, and the chunk is
	// kept alive in dyn.chunks; the slots hold no pointers.
	mem := make([]byte, need+linker.AreaAlign)
	addr := alignUp(uintptr(unsafe.Pointer(unsafe.SliceData(mem))), linker.AreaAlign)

	if addr < base || uint64(addr-base)+uint64(stride) > maxOffset {
		dyn.heap = fmt.Sprintf("heap memory at %#x is not within %#x bytes (2^%d, the limit of slot offsets) above area 0 at %#x",
			addr, uint64(maxOffset), keyShift, base)
		runtime.KeepAlive(mem)
		return fmt.Errorf("%s, %s", why, dyn.heap)
	}

	poison(unsafe.Slice((*byte)(addrPointer(addr)), need))
	dyn.chunks = append(dyn.chunks, &chunk{off: addr - base, size: stride,
		free: []extent{{addr - base, stride}}, mem: mem})

	return nil
}

// CheckPoison checks that every free byte of every chunk holds the poison on
// every CPU, and returns an error wrapping [ErrPoison] naming the first one
// that does not: memory written through a freed variable, or past the end
// of a variable (Linux slub_debug validation). It returns nil before Init.
//
// Cost: it reads all free dynamic memory of every area, holding the
// allocator's lock: for tests and debugging.
func CheckPoison() error {
	if !initialized.Load() {
		return nil
	}

	dyn.lock.lock()
	defer dyn.lock.unlock()

	for _, c := range dyn.chunks {
		for _, e := range c.free {
			for cpu := 0; cpu < areas.num; cpu++ {
				b := unsafe.Slice((*byte)(slotAddr(cpu, e.off)), e.size)
				if i := unpoisoned(b); i >= 0 {
					return newError(ErrPoison, "free byte at offset %#x on cpu %d is %#x, want the poison %#x: written after free or past the end of a variable",
						e.off+uintptr(i), cpu, b[i], poisonByte)
				}
			}
		}
	}

	return nil
}
