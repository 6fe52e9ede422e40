// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu

import (
	"reflect"
	"sync/atomic"
)

// Counter is a per-CPU counter: an int64 in every CPU's area, allocated
// after Init. Add is one [Add] on the current CPU's slot (the same single
// assembly call, one GS-relative ADD on x86), Sum adds the slots of the
// online CPUs.
//
// The package documentation (Counters) compares it with FreeBSD counter(9),
// Linux percpu_counter and Go proposal #80645 (sync.Counter).
//
// Concurrency: Add from any goroutine (it is correct when the goroutine
// moves, as [Add] is); Sum and Reset from any goroutine. An Add on one CPU
// concurrent with Reset may survive or be lost.
type Counter struct {
	v Var[int64]

	// global holds what AddBatched folded out of the slots.
	global atomic.Int64
}

// NewCounter allocates a per-CPU counter, zero on every CPU. It returns the
// errors of [Alloc] (ErrNoSpace when no chunk has room, ErrNotAllocated
// before Init).
func NewCounter() (*Counter, error) {
	off, err := dynAlloc("NewCounter", reflect.TypeFor[int64]())
	if err != nil {
		return nil, err
	}

	c := &Counter{}
	c.v.off = off
	c.v.state.Store(varLive)

	for cpu := 0; cpu < areas.num; cpu++ {
		*(*int64)(slotAddr(cpu, off)) = 0
	}

	return c, nil
}

// Add adds delta to the counter on the current CPU: one call of the assembly
// leaf of [Add], as cheap as Add on any 8-byte variable.
//
// Panics: as [Var.Read].
func (c *Counter) Add(delta int64) {
	Add(&c.v, delta)
}

// AddBatched adds delta like Linux percpu_counter_add_batch: atomically to
// the current CPU's slot, and when that slot reaches batch or -batch, it
// moves the slot's value to a shared count, which [Counter.Estimate] reads
// with one load. The slot is updated with atomic instructions (the fold
// swaps it to zero), so it is correct when the goroutine moves between CPUs
// and against remote swaps. batch < 1 is taken as 1. Do not mix it with
// [Counter.Add] on one counter while both run: the fold's swap can meet
// Add's load and store on the same slot (a goroutine may fold the slot of
// the CPU it just left), and one of the two updates is lost.
//
// Cost: [AtomicAdd], and every batch updates on a CPU one swap and one add
// to the shared count (a shared cache line).
func (c *Counter) AddBatched(delta, batch int64) {
	p := (*int64)(this_cpu_addr(c.v.off))

	if n := atomic.AddInt64(p, delta); n >= batch || n <= -batch {
		c.global.Add(atomic.SwapInt64(p, 0))
	}
}

// Estimate returns the shared count of [Counter.AddBatched], one load. Once
// no add runs, it differs from [Counter.Sum] by at most (batch-1) per area
// ([AreaNum]) when every add was an AddBatched with that batch: each slot
// then holds less than batch in absolute value (Linux percpu_counter_read:
// batch * CPUs). While adds run, each add in flight can add its delta to
// the difference. Plain [Counter.Add]s are not in the estimate until the
// next fold on their CPU.
func (c *Counter) Estimate() int64 {
	return c.global.Load()
}

// Sum returns the counter: the sum of its slots on the online CPUs (see
// [SetOnline]), plus what AddBatched folded into the shared count. It is
// exact once no Add runs; while Adds run, see the bound of [Sum].
func (c *Counter) Sum() int64 {
	return c.global.Load() + Sum(&c.v)
}

// Reset sets the counter to zero on every CPU, with one atomic store per
// area. It is exact when no Add runs; an Add running at the same time (a
// load, an add and a store on arm64 and riscv64) may put its CPU's old value
// back, plus its delta.
func (c *Counter) Reset() {
	for cpu := 0; cpu < AreaNum(); cpu++ {
		atomic.StoreInt64(c.v.Remote(cpu), 0)
	}
	c.global.Store(0)
}

// Var returns the per-CPU variable that holds the counter, for [ForEach]
// and [Var.Remote].
func (c *Counter) Var() *Var[int64] {
	return &c.v
}

// Free gives the counter's memory back (see [Free]); c must not be used
// afterwards.
func (c *Counter) Free() error {
	return dynFree(&c.v, reflect.TypeFor[int64]())
}
