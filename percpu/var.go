// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu

import (
	"reflect"
	"unsafe"
)

// Integer is the set of types [Add] accepts.
type Integer interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr
}

// Offset returns the offset of v's slot from the base of every area.
func (v *Var[T]) Offset() uintptr {
	return v.off
}

// slotBuf holds a value of type T at an 8-byte aligned address, so that the
// fast paths move 1, 2, 4 and 8-byte values with aligned accesses (riscv64
// may trap on misaligned ones).
type slotBuf[T any] struct {
	_ [0]uint64
	v T
}

// The fast paths take two arguments, not three: the offset of the slot and
// the size of its type travel together in one word, the slot key,
//
//	key = off | ((size+1) ^ keyXor) << keyShift
//
// A third argument is one more store and load through the stack on every
// call, which measures slower than decoding the key. The size code
// (size+1)^keyXor is 0 for 8 bytes, the common case, so that the key of an
// 8-byte slot is its offset and the leaf recognizes it with one compare and
// a branch; it is not 0 for any other size (0 included) and keySize inverts
// it. Offsets must be below 2^keyShift: they are offsets in an area, and no
// area reaches 4 GiB.
//
// size is a constant at every call site (unsafe.Sizeof of the variable's
// type): once the accessor is inlined, the key folds to off (8 bytes), or to
// off OR a constant. The accessors spell the expression out, each marked
// "// slot key", because a call of a function computing it would take them
// over the inlining budget.
const (
	keyShift = 32
	keyXor   = 9

	// keyPlainMax is the largest key the amd64 leaves take for the
	// offset of an 8-byte slot without decoding it: the largest
	// sign-extended 32-bit immediate of CMPQ.
	keyPlainMax = 1<<31 - 1

	// size codes as the leaves compare them
	code8 = (8 + 1) ^ keyXor
	code4 = (4 + 1) ^ keyXor
	code2 = (2 + 1) ^ keyXor
	code1 = (1 + 1) ^ keyXor
)

// The leaves take a size code of 0 for an 8-byte slot without comparing it
// with code8 (this_cpu_<arch>.s: an 8-byte key is its offset): this
// declaration stops the build if code8 ever becomes anything but 0.
var _ [1]struct{} = [1 - code8]struct{}{}

// keySize returns the size packed in a slot key, keyOff its offset.
func keySize(key uint64) uintptr { return uintptr(key>>keyShift^keyXor) - 1 }
func keyOff(key uint64) uintptr  { return uintptr(key & (1<<keyShift - 1)) }

// Read returns the value of v on the current CPU.
//
// Read compiles to one call of an assembly leaf (it is inlined): for a T of 1,
// 2, 4 or 8 bytes the leaf checks the register and loads the slot with one
// register-relative instruction; for other sizes it continues in a copy with
// the goroutine pinned. See the package documentation for why both are
// correct when the goroutine moves between CPUs: the value is the one of the
// CPU the goroutine ran on during the call.
//
// Panics: if this CPU's register was never set or the areas were not
// initialized (errors wrapping [ErrRegister] or [ErrNotInitialized]).
func (v *Var[T]) Read() T {
	if debug && v.state.Load() == varFreed {
		freed("Read", reflect.TypeFor[T](), v.off)
	}
	var b slotBuf[T]
	this_cpu_load(uint64(v.off)|uint64((unsafe.Sizeof(b.v)+1)^keyXor)<<keyShift, unsafe.Pointer(&b.v)) // slot key
	return b.v
}

// Write sets the value of v on the current CPU to val.
//
// Write compiles to one call of an assembly leaf (it is inlined): for a T of
// 1, 2, 4 or 8 bytes the leaf checks the register and stores the slot with one
// register-relative instruction; for other sizes it continues in a copy with
// the goroutine pinned.
//
// Panics: as [Var.Read].
func (v *Var[T]) Write(val T) {
	if debug && v.state.Load() == varFreed {
		freed("Write", reflect.TypeFor[T](), v.off)
	}
	b := slotBuf[T]{v: val}
	this_cpu_store(uint64(v.off)|uint64((unsafe.Sizeof(b.v)+1)^keyXor)<<keyShift, unsafe.Pointer(&b.v)) // slot key
}

// Add adds delta to the value of v on the current CPU, wrapping around like
// Go integer arithmetic.
//
// Add compiles to one call of an assembly leaf (it is inlined): on x86 one
// GS-relative ADD instruction after the register check (like Linux
// this_cpu_add), on arm64 and riscv64 a load, an add and a store. It is
// correct when the goroutine moves between CPUs (the delta goes to the CPU the
// goroutine ran on during the call) and needs no atomic instruction, because
// only the owning CPU writes its slot.
//
// Concurrency: a concurrent write to the same slot from another CPU
// ([Var.Remote]) can be lost; sum per-CPU counters with Remote after the
// writers stopped, or tolerate a racy snapshot.
//
// Panics: as [Var.Read].
func Add[T Integer](v *Var[T], delta T) {
	if debug && v.state.Load() == varFreed {
		freed("Add", reflect.TypeFor[T](), v.off)
	}
	this_cpu_add(uint64(v.off)|uint64((unsafe.Sizeof(delta)+1)^keyXor)<<keyShift, uint64(delta)) // slot key
}

// loadPinned is this_cpu_load for sizes other than 1, 2, 4 and 8 bytes: the
// assembly jumps here with its own arguments. It copies the slot with the
// goroutine pinned.
func loadPinned(key uint64, dst unsafe.Pointer) {
	size := keySize(key)
	p := pin(keyOff(key))
	copy(unsafe.Slice((*byte)(dst), size), unsafe.Slice((*byte)(p), size))
	procUnpin()
}

// storePinned is this_cpu_store for sizes other than 1, 2, 4 and 8 bytes.
func storePinned(key uint64, src unsafe.Pointer) {
	size := keySize(key)
	p := pin(keyOff(key))
	copy(unsafe.Slice((*byte)(p), size), unsafe.Slice((*byte)(src), size))
	procUnpin()
}

// With calls f with a pointer to v's slot on the current CPU, with the
// goroutine pinned to that CPU until f returns.
//
// Preconditions: f must not block (channel operations, sleeping locks,
// time.Sleep, blocking system calls, runtime.Gosched, and fmt, whose
// sync.Pool takes a mutex on its first use after a garbage collection),
// must not panic and
// should be short: it runs with preemption disabled, like the code between
// Linux get_cpu_var and put_cpu_var; a panic or a block inside f is fatal to
// the runtime ("panic holding locks", "schedule: holding locks"). f must not
// keep the pointer after it returns.
//
// Concurrency: f is the only code on this CPU touching the slot, except
// other CPUs through [Var.Remote].
//
// Panics: if f is nil, with an error wrapping [ErrNilFunc], or as
// [Var.Read].
func (v *Var[T]) With(f func(*T)) {
	if f == nil {
		panic(newError(ErrNilFunc, "Var[%v].With(nil): want a function to call with the slot at offset %#x", reflect.TypeFor[T](), v.off))
	}
	if v.state.Load() == varFreed {
		freed("With", reflect.TypeFor[T](), v.off)
	}

	p := pin(v.off)
	f((*T)(p))
	procUnpin()
}

// Reset sets the value of v on the current CPU back to its initial value,
// the value given to [Define] or [New].
//
// Panics: as [Var.Read].
func (v *Var[T]) Reset() {
	v.Write(v.init)
}

// Remote returns a pointer to v's slot in the area of CPU cpu.
//
// Concurrency: nothing synchronizes the pointer with CPU cpu, which may be
// reading or writing the slot at the same time: the caller avoids data races
// (for example by reading after the owner stopped writing, or by using
// sync/atomic on both sides).
//
// Panics: if cpu is not in [0, AreaNum()), with an error wrapping
// [ErrCPURange] that names cpu and the number of areas.
func (v *Var[T]) Remote(cpu int) *T {
	if uint(cpu) >= uint(areas.num) {
		cpuRange(cpu)
	}
	if v.state.Load() == varFreed {
		freed("Remote", reflect.TypeFor[T](), v.off)
	}

	return (*T)(unsafe.Add(areas.base, uintptr(cpu)*areas.stride+v.off))
}

// RawPtr returns a pointer to v's slot on the current CPU.
//
// Preconditions: the goroutine stays on this CPU while it uses the pointer:
// inside [Var.With], or locked to its thread with [runtime.LockOSThread].
// Otherwise the pointer may be another CPU's slot by the time it is used.
//
// RawPtr is one call of an assembly leaf (it is inlined), which checks the
// register and returns its value plus the offset.
//
// Panics: as [Var.Read].
func (v *Var[T]) RawPtr() *T {
	if debug && v.state.Load() == varFreed {
		freed("RawPtr", reflect.TypeFor[T](), v.off)
	}
	return (*T)(this_cpu_addr(v.off))
}

// RawRead returns the value of v on the current CPU, without pinning.
//
// Preconditions: as [Var.RawPtr].
//
// Panics: as [Var.Read].
func (v *Var[T]) RawRead() T {
	return *v.RawPtr()
}

// RawWrite sets the value of v on the current CPU to val, without pinning.
//
// Preconditions: as [Var.RawPtr].
//
// Panics: as [Var.Read].
func (v *Var[T]) RawWrite(val T) {
	*v.RawPtr() = val
}

// pin pins the goroutine to its CPU and returns the address of the slot at
// offset off on that CPU. The caller unpins with procUnpin.
//
// The register check runs while pinned; on failure pin unpins before it
// panics, because a panic with the goroutine pinned is fatal.
func pin(off uintptr) unsafe.Pointer {
	if preCheck {
		// linux host: a thread whose GS base is 0 faults on the check
		// load; let it fault unpinned, where it is a plain panic.
		this_cpu_ptr(off)
	}

	procPin()
	p := this_cpu_ptr(off)

	if p == nil {
		procUnpin()
		regFault()
	}

	return p
}
