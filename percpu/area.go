// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu

import (
	"math/bits"
	"sync/atomic"
	"unsafe"

	"github.com/tamago-smp/kernel/linker"
)

// areas describes the initialized areas. It is written once, by Init or
// InitInPlace, before initialized is set, and only read afterwards.
var areas struct {
	base   unsafe.Pointer // area 0
	num    int            // number of areas
	size   uintptr        // bytes used in each area (header + variables)
	stride uintptr        // distance between two areas
}

var initialized atomic.Bool

// DynamicReserve is the number of bytes every area reserves after the
// variables defined with [New] and [Define], for the variables allocated
// with [Alloc] after Init: the first chunk (see the package documentation).
const DynamicReserve = 256

// InitInPlace initializes the per-CPU areas over the region the linker
// reserves in the kernel image ([linker.Region], the _percpu_start symbol):
// the first area starts at the start of the region rounded up to
// [linker.AreaAlign], and up to [linker.MaxCPUs] areas follow, [AreaStride]
// bytes apart. The template (header and initial values) is copied into each
// area and the layout is frozen. The rest of the region holds the later
// chunks of [Alloc]. It returns the number of areas.
//
// Preconditions: call it once, on the boot CPU, before any other CPU uses a
// per-CPU variable; the board's cpuinit already pointed the boot CPU's
// register at area 0.
//
// InitInPlace returns an error wrapping [ErrTooManyCPUs] if not even one area
// fits in the region, and [ErrInitialized] if the areas were already
// initialized. With the percpu_naive build tag it initializes area 0 only
// and returns 1.
func InitInPlace() (int, error) {
	start, end := linker.Region()
	return initRegion(start, end)
}

// initRegion is InitInPlace over the region [start, end).
func initRegion(start, end uintptr) (int, error) {
	base := linker.FirstArea(start)

	layout.mu.Lock()
	defer layout.mu.Unlock()

	stride := strideLocked()

	var avail uintptr
	if base < end && base >= start {
		avail = end - base
	}

	n := min(avail/stride, linker.MaxCPUs)

	if n == 0 {
		return 0, newError(ErrTooManyCPUs, "1 CPU needs %s (one %d-byte area) but the region [%#x, %#x) holds %s from its %d-byte aligned start %#x",
			plural(int(stride), "byte"), stride, start, end, plural(int(avail), "byte"), linker.AreaAlign, base)
	}

	if initialized.Load() {
		return 0, errTwice()
	}

	return initAreas(addrPointer(base), int(n), stride, base+avail, "InitInPlace"), nil
}

// Init initializes ncpu per-CPU areas in the size bytes of memory at base,
// [AreaStride] bytes apart: the template (header and initial values) is
// copied into each area and the layout is frozen. Memory past the last area
// holds the later chunks of [Alloc]. It returns the number of areas, ncpu.
//
// Preconditions: base is the address of size bytes of memory that the
// garbage collector does not manage (a linker-reserved array, memory from
// the board's memory map, mmap on a host), aligned to [linker.AreaAlign];
// [RegionLayout](ncpu) says how many bytes ncpu areas need. Call Init once,
// before any CPU uses a per-CPU variable.
//
// Init returns an error wrapping [ErrNullBase] if base is 0, [ErrMisaligned]
// if base is not aligned to 64 bytes, [ErrCPUCount] if ncpu < 1,
// [ErrTooManyCPUs] if the ncpu areas do not fit in size bytes or below the
// end of the address space (naming both sizes), and [ErrInitialized] if the
// areas were already initialized. With the percpu_naive build tag it
// initializes one area at base and returns 1.
func Init(base, size uintptr, ncpu int) (int, error) {
	if base == 0 {
		return 0, newError(ErrNullBase, "base %#x is null: want a non-zero address aligned to %d bytes",
			base, linker.AreaAlign)
	}

	if base%linker.AreaAlign != 0 {
		return 0, newError(ErrMisaligned, "base %#x is not aligned to %d bytes (it is %s past %#x)",
			base, linker.AreaAlign, plural(int(base%linker.AreaAlign), "byte"), base&^(linker.AreaAlign-1))
	}

	if ncpu < 1 {
		return 0, newError(ErrCPUCount, "CPU count %d is below 1", ncpu)
	}

	layout.mu.Lock()
	defer layout.mu.Unlock()

	stride := strideLocked()
	hi, need := bits.Mul64(uint64(ncpu), uint64(stride))
	room := ^base + 1 // bytes from base to the end of the address space

	if room != 0 && size > room {
		return 0, newError(ErrTooManyCPUs, "%s of memory at base %#x pass the end of the address space (%s above base)",
			plural(int(size), "byte"), base, plural(int(room), "byte"))
	}

	if hi != 0 || uint64(uintptr(need)) != need || uintptr(need) > size {
		verb := "need"
		if ncpu == 1 {
			verb = "needs"
		}
		return 0, newError(ErrTooManyCPUs, "%s %s %s of %s (%d bytes) but the memory at base %#x is %s (%s)",
			plural(ncpu, "CPU"), verb, plural(ncpu, "area"), plural(int(stride), "byte"), need, base,
			plural(int(size), "byte"), plural(int(size/stride), "area"))
	}

	if initialized.Load() {
		return 0, errTwice()
	}

	return initAreas(addrPointer(base), ncpu, stride, base+size, "Init"), nil
}

func errTwice() error {
	return newError(ErrInitialized, "areas already initialized (%s of %s at %#x): Init and InitInPlace may run once",
		plural(areas.num, "area"), plural(int(areas.stride), "byte"), uintptr(areas.base))
}

// strideLocked returns the area stride of the current layout: the template
// and the first chunk of dynamic variables, rounded up to a cache line.
// Callers hold layout.mu.
func strideLocked() uintptr {
	return alignUp(uintptr(len(templateLocked()))+DynamicReserve, linker.AreaAlign)
}

// initAreas copies the template into n areas from base and publishes them;
// memory from the end of the areas to end holds later chunks. by names the
// caller. Callers hold layout.mu.
func initAreas(base unsafe.Pointer, n int, stride uintptr, end uintptr, by string) int {
	if naive {
		n = 1
	}

	tmpl := templateLocked()

	for cpu := 0; cpu < n; cpu++ {
		a := unsafe.Add(base, uintptr(cpu)*stride)
		s := unsafe.Slice((*byte)(a), stride)

		copy(s, tmpl)
		poison(s[len(tmpl):])

		h := (*header)(a)
		h.self = uint64(uintptr(a))
		h.cpu = uint64(cpu)
		h.magic = areaMagic
	}

	layout.frozen = true
	layout.frozenBy = by

	areas.base = base
	areas.num = n
	areas.size = uintptr(len(tmpl))
	areas.stride = stride

	dynInit(uintptr(base), end)

	initialized.Store(true)
	onInit(base)

	return n
}

// RegionLayout returns the size and alignment of the memory that [Init] needs
// for ncpu areas with the variables defined so far: ncpu * [AreaStride]
// bytes, aligned to [linker.AreaAlign]. It returns size 0 if ncpu < 1.
func RegionLayout(ncpu int) (size, align uintptr) {
	if ncpu < 1 {
		return 0, linker.AreaAlign
	}

	return uintptr(ncpu) * AreaStride(), linker.AreaAlign
}

// AreaNum returns the number of initialized areas, 0 before [Init] or
// [InitInPlace].
func AreaNum() int {
	if !initialized.Load() {
		return 0
	}

	return areas.num
}

// AreaSize returns the number of bytes of one area that the header and the
// variables use. It is final once the areas are initialized; before, it grows
// with every [New].
func AreaSize() uintptr {
	if initialized.Load() {
		return areas.size
	}

	layout.mu.Lock()
	defer layout.mu.Unlock()

	return uintptr(len(templateLocked()))
}

// AreaStride returns the distance in bytes between two areas: [AreaSize]
// rounded up to [linker.AreaAlign], so that no two CPUs share a cache line.
func AreaStride() uintptr {
	if initialized.Load() {
		return areas.stride
	}

	layout.mu.Lock()
	defer layout.mu.Unlock()

	return strideLocked()
}

// AreaBase returns the base address of the area of CPU cpu: the value its
// per-CPU register must hold.
//
// AreaBase does not allocate and takes no lock: it may be called from
// goos.Task, on the system stack and without a P.
//
// Panics: if cpu is not in [0, AreaNum()), with an error wrapping
// [ErrCPURange] that names cpu and the number of areas.
func AreaBase(cpu int) uintptr {
	if uint(cpu) >= uint(areas.num) {
		cpuRange(cpu)
	}

	return uintptr(areas.base) + uintptr(cpu)*areas.stride
}

// cpuRange panics for a CPU id outside [0, areas.num).
//
//go:noinline
func cpuRange(cpu int) {
	if !initialized.Load() {
		panic(newError(ErrCPURange, "cpu %d out of range: 0 areas (areas not initialized: InitInPlace/Init)", cpu))
	}

	panic(newError(ErrCPURange, "cpu %d out of range: %s (valid ids 0..%d)", cpu, plural(areas.num, "area"), areas.num-1))
}

// addrPointer turns the address of memory the garbage collector does not
// manage (the linker region, a caller-provided region) into a pointer.
//
// The conversion reinterprets the bits, instead of unsafe.Pointer(a), so that
// the checkptr instrumentation of -race builds does not look for the heap
// object the address came from: there is none.
func addrPointer(a uintptr) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Pointer(&a))
}
