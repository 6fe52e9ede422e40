// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu

import (
	"reflect"
	"slices"
	"sync/atomic"
	"unsafe"
)

// online is the set of CPUs ForEach and the Sum helpers visit, nil for
// every area. The slice is never changed once stored.
var online atomic.Pointer[[]int]

// SetOnline sets the CPUs that [ForEach], [Sum] and [Counter.Sum] visit:
// the CPUs that run, as the bring-up code knows them (package boot calls it
// with its online set; this package does not import boot). nil restores the
// default, every area 0..[AreaNum]()-1, which is right as long as every
// area's CPU runs or its slots stay at their initial values.
//
// SetOnline returns an error wrapping [ErrOnline] naming the CPU if one is
// outside [0, AreaNum()) or listed twice, or if the list is empty but not
// nil, and [ErrNotInitialized] before Init or InitInPlace. It keeps a copy
// of cpus.
//
// Concurrency: SetOnline may run while other goroutines iterate: each
// iteration sees the old set or the new one.
func SetOnline(cpus []int) error {
	if cpus == nil {
		online.Store(nil)
		return nil
	}

	if !initialized.Load() {
		return newError(ErrNotInitialized, "SetOnline(%v) before Init or InitInPlace: no areas yet", cpus)
	}

	if len(cpus) == 0 {
		return newError(ErrOnline, "empty online set: at least the CPU that runs this (nil restores all %s)", plural(AreaNum(), "area"))
	}

	n := AreaNum()
	seen := make([]bool, n)

	for _, cpu := range cpus {
		switch {
		case cpu < 0 || cpu >= n:
			return newError(ErrOnline, "online cpu %d out of range: %s (valid ids 0..%d)", cpu, plural(n, "area"), n-1)
		case seen[cpu]:
			return newError(ErrOnline, "online cpu %d listed twice in %v", cpu, cpus)
		}
		seen[cpu] = true
	}

	c := slices.Clone(cpus)
	online.Store(&c)

	return nil
}

// Online returns the CPUs that [ForEach] visits: those given to [SetOnline],
// or every area 0..AreaNum()-1 if none were.
func Online() []int {
	if p := online.Load(); p != nil {
		return slices.Clone(*p)
	}

	all := make([]int, AreaNum())
	for i := range all {
		all[i] = i
	}

	return all
}

// ForEach calls f with each online CPU (see [SetOnline]) and a pointer to
// v's slot in that CPU's area, in the order of the online set.
//
// Concurrency: the owner of a slot may write it while f reads it. For slots
// of 1, 2, 4 and 8 bytes (aligned to their size, see [New]) a load of the
// whole slot is single-copy atomic on every supported ISA (Intel SDM Vol. 3A
// "Guaranteed Atomic Operations", Arm ARM B2.2.1, RISC-V unprivileged spec,
// RVWMO memory model), and the
// owner's single-call Write and Add store the whole slot with one store: a
// load sees the value before or after each of them, never a mix. Use
// sync/atomic loads in f (as [Sum] does) so that the Go memory model and the
// race detector agree. Larger slots can be seen half written: read them
// after the owner stopped, or guard them.
func ForEach[T any](v *Var[T], f func(cpu int, p *T)) {
	if p := online.Load(); p != nil {
		for _, cpu := range *p {
			f(cpu, v.Remote(cpu))
		}
		return
	}

	for cpu := 0; cpu < AreaNum(); cpu++ {
		f(cpu, v.Remote(cpu))
	}
}

// Sum returns the sum of v over the online CPUs (see [SetOnline]), wrapping
// around like Go integer arithmetic. Each slot is read once, with one
// atomic load (see [ForEach]).
//
// Bound: Sum is exact once the writers are quiescent. While they write, the
// result is the sum of values each slot held at some moment during the
// call: when every concurrent delta is non-negative it lies between the
// true total at the start of the call and the true total at its end; in
// general it differs from the total at the start by at most the sum of the
// absolute values of the deltas added during the call.
//
// Cost: one load per online CPU, no lock.
func Sum[T Integer](v *Var[T]) T {
	if v.state.Load() == varFreed {
		freed("Sum", reflect.TypeFor[T](), v.off)
	}

	var sum T

	if p := online.Load(); p != nil {
		for _, cpu := range *p {
			sum += loadSlot((*T)(slotAddr(cpu, v.off)))
		}
		return sum
	}

	// every area: one slot a stride apart
	slot := uintptr(areas.base) + v.off
	for cpu := 0; cpu < AreaNum(); cpu++ {
		sum += loadSlot((*T)(addrPointer(slot)))
		slot += areas.stride
	}

	return sum
}

// loadSlot loads the integer slot p with one single-copy atomic load.
func loadSlot[T Integer](p *T) T {
	switch unsafe.Sizeof(*p) {
	case 8:
		return T(atomic.LoadUint64((*uint64)(unsafe.Pointer(p))))
	case 4:
		return T(atomic.LoadUint32((*uint32)(unsafe.Pointer(p))))
	}

	// 1 and 2 bytes: sync/atomic has no such loads; an aligned load of
	// either is one instruction on every supported ISA
	return *p
}
