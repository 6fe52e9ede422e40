// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"unsafe"

	"github.com/tamago-smp/kernel/linker"
)

// testRegion is caller-provided memory for Init: a global byte array, which
// the garbage collector does not manage.
var testRegion [16*1024 + linker.AreaAlign]byte

// testSize is the size of the memory at testBase.
const testSize = uintptr(len(testRegion)) - linker.AreaAlign

func testBase() uintptr {
	return alignUp(uintptr(unsafe.Pointer(&testRegion)), linker.AreaAlign)
}

func TestHeaderLayout(t *testing.T) {
	var h header

	// The assembly of this package reads the header through go_asm.h
	// (header_self, header_cpu, header_magic); the offsets are pinned for
	// docs/PERCPU.md's layout and for the x86_64 fault of a register never
	// set, a load of gs:[16] at address 0x10 (qemu TestFault).
	if off := unsafe.Offsetof(h.self); off != 0 {
		t.Errorf("header.self at %d, want 0", off)
	}
	if off := unsafe.Offsetof(h.cpu); off != 8 {
		t.Errorf("header.cpu at %d, want 8", off)
	}
	if off := unsafe.Offsetof(h.magic); off != 16 {
		t.Errorf("header.magic at %d, want 16", off)
	}
	if areaMagic > 1<<31-1 {
		t.Errorf("areaMagic %#x does not fit a sign-extended imm32", areaMagic)
	}
}

func TestLayout(t *testing.T) {
	fresh(t)

	slots := testSlots()
	size := AreaSize()

	for _, s := range slots {
		align := s.align
		switch s.size {
		case 1, 2, 4, 8:
			align = max(align, s.size)
		}

		if s.off < unsafe.Sizeof(header{}) {
			t.Errorf("%s at offset %d overlaps the %d-byte header", s.name, s.off, unsafe.Sizeof(header{}))
		}
		if s.off%align != 0 {
			t.Errorf("%s at offset %d, not aligned to %d", s.name, s.off, align)
		}
		if s.off+s.size > size {
			t.Errorf("%s at [%d, %d) ends past the area size %d", s.name, s.off, s.off+s.size, size)
		}
	}

	sort.Slice(slots, func(i, j int) bool { return slots[i].off < slots[j].off })

	for i := 1; i < len(slots); i++ {
		a, b := slots[i-1], slots[i]
		if a.off+a.size > b.off {
			t.Errorf("%s [%d, %d) overlaps %s [%d, %d)", a.name, a.off, a.off+a.size, b.name, b.off, b.off+b.size)
		}
	}

	stride := AreaStride()

	if stride%linker.AreaAlign != 0 || stride < size+DynamicReserve || stride-size-DynamicReserve >= linker.AreaAlign {
		t.Errorf("AreaStride() = %d for AreaSize() = %d, want it plus DynamicReserve %d rounded up to %d", stride, size, DynamicReserve, linker.AreaAlign)
	}

	if sz, al := RegionLayout(4); sz != 4*stride || al != linker.AreaAlign {
		t.Errorf("RegionLayout(4) = %d, %d, want %d, %d", sz, al, 4*stride, linker.AreaAlign)
	}

	if sz, _ := RegionLayout(0); sz != 0 {
		t.Errorf("RegionLayout(0) = %d, want 0", sz)
	}
}

func TestInitInPlace(t *testing.T) {
	n := fresh(t)

	start, end := linker.Region()
	base := alignUp(start, linker.AreaAlign)
	stride := AreaStride()

	want := int(min((end-base)/stride, linker.MaxCPUs))
	if naive {
		want = 1
	}

	if n != want || AreaNum() != want {
		t.Fatalf("InitInPlace() = %d, AreaNum() = %d, want %d (region %#x-%#x, stride %d)", n, AreaNum(), want, start, end, stride)
	}

	for cpu := 0; cpu < n; cpu++ {
		a := AreaBase(cpu)

		if a != base+uintptr(cpu)*stride {
			t.Errorf("AreaBase(%d) = %#x, want %#x", cpu, a, base+uintptr(cpu)*stride)
		}
		if a%linker.AreaAlign != 0 || a < start || a+stride > end {
			t.Errorf("AreaBase(%d) = %#x: misaligned or outside the region", cpu, a)
		}

		h := (*header)(addrPointer(a))
		if h.self != uint64(a) || h.cpu != uint64(cpu) || h.magic != areaMagic {
			t.Errorf("area %d header = {self %#x, cpu %d, magic %#x}, want {%#x, %d, %#x}",
				cpu, h.self, h.cpu, h.magic, a, cpu, areaMagic)
		}

		if got := *vU64.Remote(cpu); got != 0x0123456789abcdef {
			t.Errorf("area %d: uint64 = %#x, want the initial value", cpu, got)
		}
		if got := *vPoint.Remote(cpu); got != (point{X: 1, Y: -2, Tag: [3]byte{'a', 'b', 'c'}}) {
			t.Errorf("area %d: point = %v, want the initial value", cpu, got)
		}
	}

	gs, ge := linker.Guard()
	for p := gs; p < ge; p++ {
		if *(*byte)(addrPointer(p)) != 0 {
			t.Fatalf("guard byte at %#x is not zero: something wrote past the region", p)
		}
	}
}

func TestInitAtBase(t *testing.T) {
	fresh(t)
	resetAreas()

	base := testBase()
	size, _ := RegionLayout(4)

	if base+size > uintptr(unsafe.Pointer(&testRegion))+uintptr(len(testRegion)) {
		t.Fatalf("testRegion too small for 4 areas of %d bytes", AreaStride())
	}

	n, err := Init(base, testSize, 4)
	if err != nil {
		t.Fatalf("Init(%#x, 4): %v", base, err)
	}

	want := 4
	if naive {
		want = 1
	}

	if n != want || AreaNum() != want {
		t.Fatalf("Init(%#x, 4) = %d, AreaNum() = %d, want %d", base, n, AreaNum(), want)
	}

	for cpu := 0; cpu < n; cpu++ {
		if a := AreaBase(cpu); a != base+uintptr(cpu)*AreaStride() {
			t.Errorf("AreaBase(%d) = %#x, want %#x", cpu, a, base+uintptr(cpu)*AreaStride())
		}
	}

	runCPUs(n, func(cpu int) {
		checkInitial(t, cpu)

		if got := CPU(); got != cpu {
			t.Errorf("CPU() = %d on cpu %d", got, cpu)
		}
	})
}

func TestInitErrors(t *testing.T) {
	fresh(t)

	base := testBase()

	_, err := Init(0, testSize, 4)
	wantError(t, "Init(0, testSize, 4)", err, ErrNullBase, "0x0", "64")

	_, err = Init(base+8, testSize, 4)
	wantError(t, "Init(base+8, testSize, 4)", err, ErrMisaligned, hex(base+8), "64", "8 bytes past")

	_, err = Init(base, testSize, 0)
	wantError(t, "Init(base, testSize, 0)", err, ErrCPUCount, "CPU count 0", "below 1")

	_, err = Init(base, testSize, -3)
	wantError(t, "Init(base, testSize, -3)", err, ErrCPUCount, "-3")

	huge := int(^uint(0) >> 1)
	_, err = Init(base, testSize, huge)
	wantError(t, "Init(base, testSize, MaxInt)", err, ErrTooManyCPUs, fmt.Sprint(huge), fmt.Sprintf("%d bytes", AreaStride()), hex(base))

	// A region too small for one area. The small region is never written.
	small := uintptr(unsafe.Pointer(&testRegion))
	end := small + AreaStride() // at most AreaStride()-1 bytes from the aligned start
	if alignUp(small, linker.AreaAlign) == small {
		end--
	}
	_, err = initRegion(small, end)
	wantError(t, "initRegion(too small)", err, ErrTooManyCPUs, "1 CPU", fmt.Sprintf("%d bytes", AreaStride()), hex(small), hex(end))

	// Init called twice, in every combination; the arguments are valid.
	_, err = InitInPlace()
	wantError(t, "InitInPlace twice", err, ErrInitialized, "already initialized", "once")

	_, err = Init(base, testSize, 2)
	wantError(t, "Init after InitInPlace", err, ErrInitialized, "already initialized")

	resetAreas()

	if _, err := Init(base, testSize, 2); err != nil {
		t.Fatalf("Init(%#x, 2): %v", base, err)
	}

	_, err = Init(base, testSize, 2)
	wantError(t, "Init twice", err, ErrInitialized, "already initialized", hex(base))

	_, err = InitInPlace()
	wantError(t, "InitInPlace after Init", err, ErrInitialized)
}

func TestDefineAfterFreeze(t *testing.T) {
	fresh(t)

	size := AreaSize()

	_, err := New[uint32](1)
	wantError(t, "New after Init", err, ErrFrozen, "uint32", "frozen", fmt.Sprintf("%d bytes", size))

	v := panicOf(func() { Define[uint32](1) })
	want := strings.Replace(err.Error(), "New[", "Define[", 1)
	if perr, ok := v.(error); !ok || err == nil || perr.Error() != want {
		t.Errorf("Define after Init panicked with %v, want %v", v, want)
	}

	if AreaSize() != size {
		t.Errorf("AreaSize() changed from %d to %d after a refused New", size, AreaSize())
	}
}

type inner struct {
	N    int
	Name string
}

type nested struct {
	A     uint64
	Inner inner
}

type withArray struct {
	A    [2]uint32
	Ptrs [3]*int
}

type zeroArray struct {
	A uint32
	P [0]*int
}

// newErr returns the error of New[T] on the zero value.
func newErr[T any]() error {
	var zero T
	_, err := New(zero)
	return err
}

func TestPointerTypes(t *testing.T) {
	fresh(t) // frozen: a pointer type must be refused for its type first

	for _, c := range []struct {
		err   error
		parts []string
	}{
		{newErr[*int](), []string{"type *int", "pointer"}},
		{newErr[[]byte](), []string{"type []uint8", "slice"}},
		{newErr[map[int]int](), []string{"type map[int]int", "map"}},
		{newErr[chan int](), []string{"type chan int", "channel"}},
		{newErr[func()](), []string{"type func()", "func"}},
		{newErr[any](), []string{"type interface {}", "it is an interface"}},
		{newErr[error](), []string{"type error", "interface"}},
		{newErr[string](), []string{"type string", "string"}},
		{newErr[unsafe.Pointer](), []string{"type unsafe.Pointer", "it is an unsafe.Pointer"}},
		{newErr[*uint8](), []string{"type *uint8", "it is a pointer"}},
		{newErr[nested](), []string{"type percpu.nested", "field .Inner.Name", "string"}},
		{newErr[withArray](), []string{"type percpu.withArray", "field .Ptrs[]", "pointer (*int)"}},
		{newErr[[4]*int](), []string{"type [4]*int", "element []", "pointer"}},
	} {
		wantError(t, "New", c.err, ErrPointers, append(c.parts, "garbage collector")...)
	}

	// Pointer-free types pass the check (and then meet the frozen layout).
	for _, err := range []error{newErr[zeroArray](), newErr[[0]string](), newErr[point](), newErr[complex128]()} {
		if errors.Is(err, ErrPointers) {
			t.Errorf("pointer-free type refused: %v", err)
		}
	}

	want := newErr[string]()
	v := panicOf(func() { Define("x") })
	if err, ok := v.(error); !ok || err.Error() != want.Error() {
		t.Errorf("Define[string] panicked with %v, want %v", v, want)
	}
}

func TestNewBeforeFreeze(t *testing.T) {
	fresh(t)
	resetAreas() // thawed: New works again

	before := AreaSize()

	v, err := New(point{X: 9})
	if err != nil {
		t.Fatalf("New before Init: %v", err)
	}

	if v.Offset() < before || AreaSize() != alignUp(before, 4)+unsafe.Sizeof(point{}) {
		t.Errorf("New(point) at offset %d, area size %d -> %d", v.Offset(), before, AreaSize())
	}

	if _, err := InitInPlace(); err != nil {
		t.Fatal(err)
	}

	runCPUs(min(AreaNum(), 2), func(cpu int) {
		if got := v.Read(); got != (point{X: 9}) {
			t.Errorf("cpu %d: a variable defined before Init reads %v", cpu, got)
		}
	})
}

func TestInitialValues(t *testing.T) {
	fresh(t)

	runCPUs(testCPUs(), func(cpu int) {
		checkInitial(t, cpu)

		if got := CPU(); got != cpu {
			t.Errorf("CPU() = %d, want %d", got, cpu)
		}
		if got, want := ReadReg(), AreaBase(cpu); got != want {
			t.Errorf("cpu %d: ReadReg() = %#x, want AreaBase(%d) = %#x", cpu, got, cpu, want)
		}
		if p, want := vU32.RawPtr(), vU32.Remote(cpu); p != want {
			t.Errorf("cpu %d: RawPtr() = %p, want Remote(%d) = %p", cpu, p, cpu, want)
		}
		if p, want := uintptr(unsafe.Pointer(vPoint.RawPtr())), AreaBase(cpu)+vPoint.Offset(); p != want {
			t.Errorf("cpu %d: RawPtr() = %#x, want AreaBase+Offset = %#x", cpu, p, want)
		}
		if got := vBig.RawRead(); got != [5]uint64{10, 20, 30, 40, 50} {
			t.Errorf("cpu %d: RawRead() = %v", cpu, got)
		}
	})
}

func TestRegName(t *testing.T) {
	name := RegName()

	switch {
	case naive:
		if name != "none" {
			t.Errorf("RegName() = %q, want none", name)
		}
	case onKernel():
		if want := kernelRegNames[runtime.GOARCH]; !slices.Contains(want, name) {
			t.Errorf("RegName() = %q inside the kernel, want one of %q", name, want)
		}
	case runtime.GOARCH == "amd64" && runtime.GOOS == "linux":
		if name != "gs_base" {
			t.Errorf("RegName() = %q, want gs_base", name)
		}
	case name != "soft":
		t.Errorf("RegName() = %q, want soft", name)
	}
}

func TestNaive(t *testing.T) {
	if !naive {
		t.Skip("percpu_naive build tag not set")
	}

	fresh(t)

	if AreaNum() != 1 {
		t.Errorf("AreaNum() = %d, want 1", AreaNum())
	}

	if ReadReg() != AreaBase(0) {
		t.Errorf("ReadReg() = %#x without InitReg, want AreaBase(0) = %#x", ReadReg(), AreaBase(0))
	}

	WriteReg(0x1000) // no register: nothing happens

	if ReadReg() != AreaBase(0) || CPU() != 0 {
		t.Errorf("after WriteReg: ReadReg() = %#x, CPU() = %d", ReadReg(), CPU())
	}

	checkInitial(t, 0)
}

func TestAdd(t *testing.T) {
	fresh(t)

	runCPUs(min(AreaNum(), 2), func(cpu int) {
		Add(vU8, 0x5b) // 0xa5 + 0x5b wraps to 0
		Add(vU16, 1)
		Add(vU32, 0x21524111) // 0xdeadbeef + 0x21524111 = 1<<32: wraps to 0
		Add(vU64, 1)
		Add(vUptr, 2)
		Add(vI8, -1)
		Add(vI16, 301)
		Add(vI32, -1)
		Add(vI64, 1<<40)
		Add(vInt, -8)

		for _, c := range []struct {
			name      string
			got, want any
		}{
			{"uint8", vU8.Read(), uint8(0)},
			{"uint16", vU16.Read(), uint16(0xbef0)},
			{"uint32", vU32.Read(), uint32(0)},
			{"uint64", vU64.Read(), uint64(0x0123456789abcdf0)},
			{"uintptr", vUptr.Read(), uintptr(0xcb00)},
			{"int8", vI8.Read(), int8(-4)},
			{"int16", vI16.Read(), int16(1)},
			{"int32", vI32.Read(), int32(-70001)},
			{"int64", vI64.Read(), int64(0)},
			{"int", vInt.Read(), -1},
			{"bool next to the uint8", vBool.Read(), true},
		} {
			if c.got != c.want {
				t.Errorf("cpu %d: %s after Add = %v, want %v", cpu, c.name, c.got, c.want)
			}
		}
	})
}

func TestWriteReadReset(t *testing.T) {
	fresh(t)

	runCPUs(min(AreaNum(), 2), func(cpu int) {
		vBool.Write(false)
		vU8.Write(uint8(cpu))
		vU16.Write(0x1111)
		vU32.Write(0x22222222)
		vU64.Write(0x3333333333333333)
		vF64.Write(-0.5)
		vBytes8.Write([8]byte{8, 7, 6, 5, 4, 3, 2, 1})
		vPair.Write(pair{7, 8})
		vPoint.Write(point{X: 100, Tag: [3]byte{'x'}})
		vBig.RawWrite([5]uint64{1})

		if vBool.Read() || vU8.Read() != uint8(cpu) || vU16.Read() != 0x1111 || vU32.Read() != 0x22222222 ||
			vU64.Read() != 0x3333333333333333 || vF64.Read() != -0.5 ||
			vBytes8.Read() != [8]byte{8, 7, 6, 5, 4, 3, 2, 1} || vPair.Read() != (pair{7, 8}) ||
			vPoint.Read() != (point{X: 100, Tag: [3]byte{'x'}}) || vBig.Read() != [5]uint64{1} {
			t.Errorf("cpu %d: values read back differ from the values written", cpu)
		}

		if *vPoint.Remote(cpu) != (point{X: 100, Tag: [3]byte{'x'}}) {
			t.Errorf("cpu %d: Remote(%d) does not see the local write", cpu, cpu)
		}

		for _, r := range []interface{ Reset() }{vBool, vU8, vU16, vU32, vU64, vF64, vBytes8, vPair, vPoint, vBig} {
			r.Reset()
		}

		checkInitial(t, cpu)
	})
}

func TestWith(t *testing.T) {
	fresh(t)

	runCPUs(min(AreaNum(), 4), func(cpu int) {
		var got *point
		vPoint.With(func(p *point) {
			got = p // pinned: no t.Errorf (it may block)
			p.X += int32(cpu)
			p.Tag[2] = 'z'
		})

		if got != vPoint.Remote(cpu) {
			t.Errorf("cpu %d: With got %p, want Remote(%d) = %p", cpu, got, cpu, vPoint.Remote(cpu))
		}

		vU64.With(func(p *uint64) { *p = uint64(cpu) })

		if got := vPoint.Read(); got != (point{X: 1 + int32(cpu), Y: -2, Tag: [3]byte{'a', 'b', 'z'}}) {
			t.Errorf("cpu %d: after With, point = %v", cpu, got)
		}
		if got := vU64.Read(); got != uint64(cpu) {
			t.Errorf("cpu %d: after With, uint64 = %d", cpu, got)
		}
	})
}

func TestRemote(t *testing.T) {
	fresh(t)

	n := testCPUs()

	for cpu := 0; cpu < n; cpu++ {
		*vU32.Remote(cpu) = uint32(1000 + cpu)
		*vPoint.Remote(cpu) = point{X: int32(cpu), Y: int32(-cpu)}
	}

	runCPUs(n, func(cpu int) {
		if got := vU32.Read(); got != uint32(1000+cpu) {
			t.Errorf("cpu %d reads %d after a remote write of %d", cpu, got, 1000+cpu)
		}
		if got := vPoint.Read(); got != (point{X: int32(cpu), Y: int32(-cpu)}) {
			t.Errorf("cpu %d reads %v after a remote write", cpu, got)
		}

		vU64.Write(uint64(cpu) << 32)
	})

	for cpu := 0; cpu < n; cpu++ {
		if got := *vU64.Remote(cpu); got != uint64(cpu)<<32 {
			t.Errorf("Remote(%d) = %#x after cpu %d wrote %#x", cpu, got, cpu, uint64(cpu)<<32)
		}
	}
}

func TestCPURangePanics(t *testing.T) {
	fresh(t)

	n := AreaNum()
	count := plural(n, "area")

	for _, cpu := range []int{-1, n, n + 100} {
		id := fmt.Sprintf("cpu %d", cpu)

		wantPanic(t, "Remote", func() { vU32.Remote(cpu) }, ErrCPURange, id, count)
		wantPanic(t, "AreaBase", func() { AreaBase(cpu) }, ErrCPURange, id, count)
		onThread(func() {
			wantPanic(t, "InitReg", func() { InitReg(cpu) }, ErrCPURange, id, count)
		})
	}

	resetAreas()

	wantPanic(t, "AreaBase before Init", func() { AreaBase(0) }, ErrCPURange, "cpu 0", "0 areas", "not initialized")
}

func TestRegisterErrors(t *testing.T) {
	fresh(t)

	name := RegName()

	// The messages for a register of 0, also those the kernel backends
	// reach without a fault.
	if !naive {
		wantError(t, "regError(0)", regError(0), ErrRegister, name+" is 0 on this CPU: register never set (InitReg)")
	}

	// A register pointing at memory that is not an area.
	other := testBase()
	clear(testRegion[:])

	if !naive {
		onThread(func() {
			WriteReg(other)
			wantPanic(t, "Read with the register elsewhere", func() { vU32.Read() }, ErrRegister,
				fmt.Sprintf("%s=%#x is not the base of a per-CPU area", name, other))
			wantPanic(t, "With with the register elsewhere", func() { vPoint.With(func(*point) {}) }, ErrRegister, "not the base")
			wantPanic(t, "RawPtr with the register elsewhere", func() { vPoint.RawPtr() }, ErrRegister, "not the base")
			wantPanic(t, "Add with the register elsewhere", func() { Add(vU64, 1) }, ErrRegister, "not the base")
			wantPanic(t, "CPU with the register elsewhere", func() { CPU() }, ErrRegister, "not the base")
		})
	}

	// Areas not initialized.
	resetAreas()

	onThread(func() {
		WriteReg(other)

		what := "areas not initialized (InitInPlace/Init)"
		wantPanic(t, "Read before Init", func() { vU8.Read() }, ErrNotInitialized, what)
		wantPanic(t, "Write before Init", func() { vU16.Write(1) }, ErrNotInitialized, what)
		wantPanic(t, "Write (pinned) before Init", func() { vBig.Write([5]uint64{}) }, ErrNotInitialized, what)
		wantPanic(t, "Reset before Init", func() { vPoint.Reset() }, ErrNotInitialized, what)
		wantPanic(t, "Add before Init", func() { Add(vI32, 1) }, ErrNotInitialized, what)
	})

	for i, b := range testRegion {
		if b != 0 {
			t.Fatalf("testRegion[%d] = %#x: a refused access wrote memory", i, b)
		}
	}
}

// TestRegisterZero: a thread whose register was never set. On the linux host
// the GS base is 0 and the check load itself faults at address 0x10, which
// Go turns into a nil dereference panic (no write, no crash); elsewhere the
// check sees 0 and panics with ErrRegister.
func TestRegisterZero(t *testing.T) {
	fresh(t)

	if naive {
		t.Skip("percpu_naive: there is no register")
	}
	if onKernel() && runtime.GOARCH == "amd64" {
		t.Skip("inside the x86_64 kernel the load at GS base 0 is a page fault, not a panic: qemu TestFault covers it")
	}

	onThread(func() {
		WriteReg(0)

		for _, c := range []struct {
			what string
			f    func()
		}{
			{"Read", func() { vU64.Read() }},
			{"Write", func() { vU32.Write(1) }},
			{"Add", func() { Add(vU8, 1) }},
			{"With", func() { vPoint.With(func(*point) {}) }},
			{"Read (pinned)", func() { vBig.Read() }},
			{"RawPtr", func() { vU64.RawPtr() }},
			{"CPU", func() { CPU() }},
		} {
			v := panicOf(c.f)

			if threadCPUs {
				if err, ok := v.(runtime.Error); !ok || !strings.Contains(err.Error(), "nil pointer dereference") {
					t.Errorf("%s with GS base 0: panicked with %v, want a nil pointer dereference", c.what, v)
				}
				continue
			}

			err, _ := v.(error)
			wantError(t, c.what+" with register 0", err, ErrRegister, RegName()+" is 0 on this CPU: register never set (InitReg)")
		}
	})
}

func TestErrorMessages(t *testing.T) {
	// Every error of the package starts with "percpu: ".
	for _, err := range []error{ErrNullBase, ErrMisaligned, ErrCPUCount, ErrTooManyCPUs, ErrPointers,
		ErrFrozen, ErrInitialized, ErrNotInitialized, ErrRegister, ErrCPURange,
		newError(ErrCPURange, "x")} {
		if !strings.HasPrefix(err.Error(), "percpu: ") {
			t.Errorf("error %q lacks the percpu: prefix", err)
		}
	}
}
