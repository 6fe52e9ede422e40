// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"unsafe"

	"github.com/tamago-smp/kernel/linker"
)

// TestBadInput walks the bad-input table of the package documentation (and
// of docs/RELIABILITY.md), one subtest per row: every case is refused with
// an error, or a panic, that wraps the row's Err* value and names the
// offending value and the limit. The rows about CPUs beyond the areas are
// tested in package boot (TestParked), the register rows also in
// TestRegisterErrors and TestRegisterZero. The tests of this package also
// run inside a kernel of every target (qemu TestGoTestInKernel); the fault
// of a register never set on x86_64 is qemu TestFault.
func TestBadInput(t *testing.T) {
	n := fresh(t)
	base := testBase()
	stride := AreaStride()
	areas := plural(n, "area")

	t.Run("type holding pointers", func(t *testing.T) {
		_, err := New[*int](nil)
		wantError(t, "New[*int]", err, ErrPointers, "type *int", "pointer (*int)", "garbage collector")

		_, err = New[struct{ M map[int]int }](struct{ M map[int]int }{})
		wantError(t, "New[struct{M map}]", err, ErrPointers, "field .M", "map")

		wantPanic(t, "Define[[]byte]", func() { Define[[]byte](nil) }, ErrPointers, "type []uint8", "slice")
	})

	t.Run("definition after the layout is frozen", func(t *testing.T) {
		_, err := New[uint32](7)
		wantError(t, "New after Init", err, ErrFrozen, "New[uint32]", "frozen", fmt.Sprintf("(%d bytes)", AreaSize()))

		wantPanic(t, "Define after Init", func() { Define[int8](1) }, ErrFrozen, "Define[int8]", "frozen by InitInPlace", "Alloc")
	})

	t.Run("region too small for one area", func(t *testing.T) {
		start := alignUp(uintptr(unsafe.Pointer(&testRegion)), linker.AreaAlign)
		end := start + stride - 8

		_, err := initRegion(start, end)
		wantError(t, "initRegion(stride-8 bytes)", err, ErrTooManyCPUs,
			fmt.Sprintf("1 CPU needs %d bytes", stride), fmt.Sprintf("holds %d bytes", stride-8), hex(start), hex(end))
	})

	t.Run("areas beyond the address space", func(t *testing.T) {
		top := ^uintptr(0) &^ (linker.AreaAlign - 1) // the last 64 bytes
		ncpu := int(linker.AreaAlign/stride) + 2

		_, err := Init(top, 64, ncpu)
		wantError(t, "Init(top, 64, n)", err, ErrTooManyCPUs,
			fmt.Sprintf("%d CPUs need %d areas of %d bytes", ncpu, ncpu, stride), hex(top), "is 64 bytes (0 areas)")

		_, err = Init(top, 128, 1)
		wantError(t, "Init(top, 128, 1)", err, ErrTooManyCPUs,
			"128 bytes of memory at base "+hex(top), "pass the end of the address space (64 bytes above base)")
	})

	t.Run("null or misaligned base", func(t *testing.T) {
		_, err := Init(0, testSize, 2)
		wantError(t, "Init(0, testSize, 2)", err, ErrNullBase, "base 0x0 is null", "aligned to 64 bytes")

		for _, off := range []uintptr{1, 8, 32, 63} {
			_, err = Init(base+off, testSize, 2)
			wantError(t, fmt.Sprintf("Init(base+%d, 2)", off), err, ErrMisaligned,
				hex(base+off), "not aligned to 64 bytes", fmt.Sprintf("it is %s past %s", plural(int(off), "byte"), hex(base)))
		}

		_, err = Init(base, testSize, -1)
		wantError(t, "Init(base, testSize, -1)", err, ErrCPUCount, "CPU count -1 is below 1")
	})

	t.Run("CPU id out of range", func(t *testing.T) {
		for _, cpu := range []int{-1, math.MinInt, n, n + 1} {
			id := fmt.Sprintf("cpu %d out of range", cpu)
			limit := fmt.Sprintf("%s (valid ids 0..%d)", areas, n-1)

			wantPanic(t, "Remote", func() { vU64.Remote(cpu) }, ErrCPURange, id, limit)
			wantPanic(t, "AreaBase", func() { AreaBase(cpu) }, ErrCPURange, id, limit)

			// InitReg refuses before it touches the register
			onThread(func() {
				InitReg(0)
				wantPanic(t, "InitReg", func() { InitReg(cpu) }, ErrCPURange, id, limit)

				if got := ReadReg(); got != AreaBase(0) && !naive {
					t.Errorf("register %#x after a refused InitReg(%d), want area 0 %#x", got, cpu, AreaBase(0))
				}
			})
		}
	})

	t.Run("nil function", func(t *testing.T) {
		wantPanic(t, "With(nil)", func() { vU64.With(nil) }, ErrNilFunc, "Var[uint64].With(nil)", "want a function")
	})

	t.Run("init called twice", func(t *testing.T) {
		_, err := InitInPlace()
		wantError(t, "InitInPlace twice", err, ErrInitialized, "already initialized", areas, fmt.Sprintf("%d bytes", stride), "may run once")

		_, err = Init(base, testSize, 1)
		wantError(t, "Init after InitInPlace", err, ErrInitialized, "already initialized", areas)

		// the live areas are untouched
		runCPUs(min(n, 2), func(cpu int) { checkInitial(t, cpu) })
	})
}

// TestMessageGrammar: messages about one area, one byte, pointer kinds that
// take "an", and Define after InitInPlace or Init name what happened.
func TestMessageGrammar(t *testing.T) {
	fresh(t)

	_, err := New[any](nil)
	wantError(t, "New[any]", err, ErrPointers, "it is an interface")
	_, err = New[unsafe.Pointer](nil)
	wantError(t, "New[unsafe.Pointer]", err, ErrPointers, "it is an unsafe.Pointer")

	wantPanic(t, "Define after InitInPlace", func() { Define[uint16](1) }, ErrFrozen, "Define[uint16]", "frozen by InitInPlace:")
	_, err = New[uint16](1)
	wantError(t, "New after InitInPlace", err, ErrFrozen, "New[uint16]", "frozen by InitInPlace:")

	resetAreas()

	// before Init there is no area to name: say so
	err = SetOnline([]int{0})
	wantError(t, "SetOnline before Init", err, ErrNotInitialized, "SetOnline([0]) before Init or InitInPlace")
	if err != nil && strings.Contains(err.Error(), "0..-1") {
		t.Errorf("SetOnline before Init: %q names ids 0..-1", err)
	}

	base := testBase()
	stride := AreaStride()

	// too little memory for one CPU
	_, err = Init(base, linker.AreaAlign, 1)
	wantError(t, "Init with memory for no area", err, ErrTooManyCPUs,
		fmt.Sprintf("1 CPU needs 1 area of %d bytes (%d bytes)", stride, stride), fmt.Sprintf("is %d bytes (0 areas)", linker.AreaAlign))
	oneCPU := err

	_, err = Init(base+1, testSize, 1)
	wantError(t, "Init(base+1)", err, ErrMisaligned, "it is 1 byte past")

	// too little memory: both sizes named
	_, err = Init(base, stride, 2)
	wantError(t, "Init with memory for one area", err, ErrTooManyCPUs,
		fmt.Sprintf("2 CPUs need 2 areas of %d bytes (%d bytes)", stride, 2*stride), fmt.Sprintf("is %d bytes (1 area)", stride))

	if _, err := Init(base, stride, 1); err != nil {
		t.Fatal(err)
	}

	_, err = Init(base, stride, 1)
	wantError(t, "Init twice", err, ErrInitialized, fmt.Sprintf("(1 area of %d bytes", stride))
	wantPanic(t, "Remote(1)", func() { vU64.Remote(1) }, ErrCPURange, "cpu 1 out of range: 1 area (valid ids 0..0)")
	wantPanic(t, "Define after Init", func() { Define[uint16](1) }, ErrFrozen, "Define[uint16]", "frozen by Init:")

	for _, msg := range []string{err.Error(), oneCPU.Error(), fmt.Sprint(panicOf(func() { vU64.Remote(1) }))} {
		for _, bad := range []string{"1 areas", "1 bytes", "1 CPU need ", "a interface", "a unsafe"} {
			if strings.Contains(msg, bad) {
				t.Errorf("message %q says %q", msg, bad)
			}
		}
	}
}
