// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu

import (
	"reflect"
	"sync/atomic"
	"unsafe"
)

// AtomicInteger is the set of types [AtomicAdd] accepts: the sizes
// sync/atomic adds to.
type AtomicInteger interface {
	~int32 | ~uint32 | ~int64 | ~uint64
}

// AtomicAdd adds delta to the value of v on the current CPU with one atomic
// read-modify-write (LOCK XADD on x86, LDADDAL or an exclusive pair on
// arm64, AMOADD on riscv64), and returns the new value of that slot.
//
// Use it instead of [Add] for a slot that something other than the owning
// CPU's goroutines writes at the same time: an exception handler of the same
// CPU that runs Go code (see Interrupts in the package documentation: not
// the case on TamaGo), or other CPUs writing the slot atomically through
// [Var.Remote] (a [Counter.Reset], or a remote drain that swaps a slot to
// zero). It is correct when the goroutine moves between CPUs: the address is
// the slot of the CPU the goroutine ran on when it was computed, and the add
// is atomic wherever it lands, so the sum over all CPUs stays exact. It
// costs the atomic instruction on top of the call of [Var.RawPtr]; [Add] is
// cheaper wherever only the owner writes.
//
// Panics: as [Var.Read].
func AtomicAdd[T AtomicInteger](v *Var[T], delta T) T {
	if debug && v.state.Load() == varFreed {
		freed("AtomicAdd", reflect.TypeFor[T](), v.off)
	}

	p := this_cpu_addr(v.off)

	if unsafe.Sizeof(delta) == 8 {
		return T(atomic.AddUint64((*uint64)(p), uint64(delta)))
	}

	return T(atomic.AddUint32((*uint32)(p), uint32(delta)))
}
