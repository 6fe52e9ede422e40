// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

// Test variables, one per accessor path: 1/2/4/8-byte slots take the
// single-call path, the others the pinned path.

type pair struct{ A, B uint32 } // 8 bytes, fast path

type point struct { // 12 bytes, pinned path
	X, Y int32
	Tag  [3]byte
}

var (
	vBool    = Define(true)
	vU8      = Define[uint8](0xa5)
	vU16     = Define[uint16](0xbeef)
	vU32     = Define[uint32](0xdeadbeef)
	vU64     = Define[uint64](0x0123456789abcdef)
	vUptr    = Define[uintptr](0xcafe)
	vI8      = Define[int8](-3)
	vI16     = Define[int16](-300)
	vI32     = Define[int32](-70000)
	vI64     = Define[int64](-1 << 40)
	vInt     = Define(7)
	vF64     = Define(2.5)
	vBytes8  = Define([8]byte{1, 2, 3, 4, 5, 6, 7, 8}) // align 1, size 8: slot aligned to 8
	vPair    = Define(pair{1, 2})
	vPoint   = Define(point{X: 1, Y: -2, Tag: [3]byte{'a', 'b', 'c'}})
	vBig     = Define([5]uint64{10, 20, 30, 40, 50})
	vCounter = Define[uint64](0)
	vDown    = Define[int32](0)
)

// slot describes one test variable for the layout checks.
type slot struct {
	name        string
	off         uintptr
	size, align uintptr
}

func slotOf[T any](name string, v *Var[T]) slot {
	var x T
	return slot{name, v.Offset(), unsafe.Sizeof(x), unsafe.Alignof(x)}
}

func testSlots() []slot {
	return []slot{
		slotOf("bool", vBool), slotOf("uint8", vU8), slotOf("uint16", vU16),
		slotOf("uint32", vU32), slotOf("uint64", vU64), slotOf("uintptr", vUptr),
		slotOf("int8", vI8), slotOf("int16", vI16), slotOf("int32", vI32),
		slotOf("int64", vI64), slotOf("int", vInt), slotOf("float64", vF64),
		slotOf("[8]byte", vBytes8), slotOf("pair", vPair), slotOf("point", vPoint),
		slotOf("[5]uint64", vBig), slotOf("counter", vCounter), slotOf("down", vDown),
	}
}

// checkInitial reports the variables whose value on the current CPU is not
// the initial one.
func checkInitial(t *testing.T, cpu int) {
	t.Helper()

	check := func(name string, got, want any) {
		if got != want {
			t.Errorf("cpu %d: %s = %v, want initial %v", cpu, name, got, want)
		}
	}

	check("bool", vBool.Read(), true)
	check("uint8", vU8.Read(), uint8(0xa5))
	check("uint16", vU16.Read(), uint16(0xbeef))
	check("uint32", vU32.Read(), uint32(0xdeadbeef))
	check("uint64", vU64.Read(), uint64(0x0123456789abcdef))
	check("uintptr", vUptr.Read(), uintptr(0xcafe))
	check("int8", vI8.Read(), int8(-3))
	check("int16", vI16.Read(), int16(-300))
	check("int32", vI32.Read(), int32(-70000))
	check("int64", vI64.Read(), int64(-1<<40))
	check("int", vInt.Read(), 7)
	check("float64", vF64.Read(), 2.5)
	check("[8]byte", vBytes8.Read(), [8]byte{1, 2, 3, 4, 5, 6, 7, 8})
	check("pair", vPair.Read(), pair{1, 2})
	check("point", vPoint.Read(), point{X: 1, Y: -2, Tag: [3]byte{'a', 'b', 'c'}})
	check("[5]uint64", vBig.Read(), [5]uint64{10, 20, 30, 40, 50})
	check("counter", vCounter.Read(), uint64(0))
}

// resetAreas undoes Init for the next test: the areas are cleared (so that
// no stale header passes the register check) and the layout is thawed.
func resetAreas() {
	layout.mu.Lock()
	defer layout.mu.Unlock()

	if initialized.Load() {
		clear(unsafe.Slice((*byte)(areas.base), uintptr(areas.num)*areas.stride))
	}

	areas.base = nil
	areas.num = 0
	areas.size = 0
	areas.stride = 0
	layout.frozen = false
	initialized.Store(false)
	online.Store(nil)
	dyn.chunks = nil
	dyn.noHeap = false
	resetReg()
}

// fresh gives the test freshly initialized areas over the linker region, and
// leaves the same state behind (the state TestMain sets up).
func fresh(t testing.TB) int {
	t.Helper()

	resetAreas()
	n, err := InitInPlace()

	if err != nil {
		t.Fatalf("InitInPlace: %v", err)
	}

	t.Cleanup(func() {
		resetAreas()
		if _, err := InitInPlace(); err != nil {
			panic(err)
		}
	})

	return n
}

// testCPUs is the number of CPUs the multi-CPU tests use.
func testCPUs() int {
	if onKernel() {
		return min(AreaNum(), 8, KernelCPUs())
	}
	return min(AreaNum(), 8)
}

// runCPUs runs f(cpu) for every cpu in [0, n) with the register of the
// running thread pointing at area cpu. Where threads are CPUs (linux/amd64)
// the n calls run concurrently, each on its own locked thread, and the
// threads end with their goroutines; elsewhere they run one after the other.
func runCPUs(n int, f func(cpu int)) {
	if onKernel() { // the real CPUs, pinned, one after the other
		if err := KernelOnEachCPU(n, f); err != nil {
			panic(err)
		}
		return
	}

	if !threadCPUs {
		for cpu := 0; cpu < n; cpu++ {
			InitReg(cpu)
			f(cpu)
		}
		return
	}

	var wg sync.WaitGroup

	for cpu := 0; cpu < n; cpu++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			InitReg(cpu) // locks this goroutine to its thread for life
			f(cpu)
		}()
	}

	wg.Wait()
}

// onThread runs f on a new goroutine and waits for it. On linux/amd64 a
// goroutine that locked its thread (WriteReg, InitReg) ends the thread when
// it returns, so a register set by f does not outlive it.
func onThread(f func()) {
	done := make(chan struct{})

	go func() {
		defer close(done)
		defer keepReg()()
		f()
	}()

	<-done
}

// panicOf runs f and returns the value it panicked with, nil if it did not.
func panicOf(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// wantError checks that err wraps kind, is a *percpu.Error and mentions
// every one of parts.
func wantError(t *testing.T, what string, err error, kind error, parts ...string) {
	t.Helper()

	var e *Error
	switch {
	case err == nil:
		t.Errorf("%s: no error, want %v", what, kind)
	case !errors.Is(err, kind):
		t.Errorf("%s: error %q does not wrap %q", what, err, kind)
	case !errors.As(err, &e):
		t.Errorf("%s: error %q is a %T, want *percpu.Error", what, err, err)
	default:
		for _, p := range parts {
			if !strings.Contains(err.Error(), p) {
				t.Errorf("%s: error %q does not mention %q", what, err, p)
			}
		}
	}
}

// wantPanic checks that f panics with an error that wantError accepts.
func wantPanic(t *testing.T, what string, f func(), kind error, parts ...string) {
	t.Helper()

	switch v := panicOf(f).(type) {
	case nil:
		t.Errorf("%s: no panic, want %v", what, kind)
	case error:
		wantError(t, what, v, kind, parts...)
	default:
		t.Errorf("%s: panicked with %T %v, want an error", what, v, v)
	}
}

func hex(x uintptr) string {
	return fmt.Sprintf("%#x", x)
}
