// Boot-time self-tests of per-CPU data
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package selftest

import (
	"fmt"
	"runtime"
	"unsafe"

	"github.com/tamago-smp/kernel/internal/wanterr"
	"github.com/tamago-smp/kernel/percpu"
)

// result is the outcome of one check run before the other CPUs start.
type result struct {
	name string
	err  error
}

// early holds the results of CheckBadInput, printed first by Run.
var early []result

// notArea is memory that is not a per-CPU area, for the register checks.
var notArea [256]byte

// CheckBadInput feeds the percpu package the bad input a kernel can meet at
// boot and checks that each is refused with an error (or a panic) that
// wraps the right percpu.Err* value and names the offending value and the
// limit. The results are printed by [Run] as
//
//	PASS bad-input/<case> cpu=0
//	FAIL bad-input/<case> cpu=0: <what was expected, what was seen>
//
// Preconditions: the areas are initialized and only CPU 0 runs (call it
// between percpu.InitInPlace and boot.Start): some checks point CPU 0's
// register elsewhere for a moment, and panics are recovered, which a pinned
// goroutine could not do. CPU 0's register is restored before it returns.
//
// The register checks follow what each fast path checks: on x86_64 the area
// magic at gs:[16] (a register of 0 makes that load fault at address 0x10,
// in the unmapped zero page: the kernel's percpu_fault_noreg build covers
// it, see qemu TestFault); on arm64 and riscv64 a register of 0, with one
// branch, then the self word of the area header. On every ISA a register
// pointing at memory that is not an initialized area is refused.
func CheckBadInput() {
	n := percpu.AreaNum()
	base := percpu.AreaBase(0)
	areas := fmt.Sprintf("%d areas", n)
	if n == 1 {
		areas = "1 area"
	}

	check := func(name string, err error) {
		early = append(early, result{name, err})
	}

	check("pointer-type", wanterr.Error(wanterr.ErrOf(percpu.New[*uint64](nil)), percpu.ErrPointers, "type *uint64", "pointer"))

	check("pointer-field", wanterr.Error(func() error {
		_, err := percpu.New(struct {
			N    uint64
			Name string
		}{})
		return err
	}(), percpu.ErrPointers, "field .Name", "string"))

	check("define-after-freeze", wanterr.Error(wanterr.ErrOf(percpu.New[uint32](1)), percpu.ErrFrozen, "uint32", fmt.Sprintf("(%d bytes)", percpu.AreaSize())))

	check("define-after-freeze-panics", wanterr.Panic(func() {
		percpu.Define[uint16](1)
	}, percpu.ErrFrozen, "frozen"))

	check("init-twice", wanterr.Error(wanterr.ErrOf(percpu.InitInPlace()), percpu.ErrInitialized, "already initialized", areas, fmt.Sprintf("%#x", base)))

	check("init-at-base-twice", wanterr.Error(wanterr.ErrOf(percpu.Init(base, percpu.AreaStride(), 1)), percpu.ErrInitialized, "already initialized", areas))

	check("null-base", wanterr.Error(wanterr.ErrOf(percpu.Init(0, percpu.AreaStride(), 1)), percpu.ErrNullBase, "0x0", "64"))

	check("misaligned-base", wanterr.Error(wanterr.ErrOf(percpu.Init(base+8, percpu.AreaStride(), 1)), percpu.ErrMisaligned, fmt.Sprintf("%#x", base+8), "64 bytes", "8 bytes past"))

	check("init-too-small", wanterr.Error(wanterr.ErrOf(percpu.Init(base, percpu.AreaStride(), 2)), percpu.ErrTooManyCPUs, "2 CPUs need 2 areas", fmt.Sprintf("is %d bytes (1 area)", percpu.AreaStride())))

	check("cpu-count", wanterr.Error(wanterr.ErrOf(percpu.Init(base, percpu.AreaStride(), 0)), percpu.ErrCPUCount, "CPU count 0", "below 1"))

	for _, cpu := range []int{-1, n} {
		id := fmt.Sprintf("cpu %d", cpu)

		check(fmt.Sprintf("remote(%d)", cpu), wanterr.Panic(func() {
			counter.Remote(cpu)
		}, percpu.ErrCPURange, id, areas))

		check(fmt.Sprintf("initreg(%d)", cpu), first(
			wanterr.Panic(func() { percpu.InitReg(cpu) }, percpu.ErrCPURange, id, areas),
			expect("register after the refused InitReg", percpu.ReadReg(), base),
		))
	}

	// Every fast path checks that the register is the base of an
	// initialized area: on x86_64 the magic at gs:[16], on arm64 and
	// riscv64 the self word of the header. A register pointing at memory
	// that is not an area (as the boot CPU's does before Init) is refused,
	// and nothing is written there.
	other := uintptr(unsafe.Pointer(&notArea))

	check("register-not-an-area", first(
		withRegister(other, func() error {
			return first(
				wanterr.Panic(func() { vUint64.Read() }, percpu.ErrRegister,
					fmt.Sprintf("%s=%#x is not the base of a per-CPU area", percpu.RegName(), other), areas),
				wanterr.Panic(func() { percpu.Add(counter, 1) }, percpu.ErrRegister, "not the base of a per-CPU area"),
				wanterr.Panic(func() { vUint8.Write(9) }, percpu.ErrRegister, "not the base of a per-CPU area"),
			)
		}),
		zeroBytes("memory at the register after a refused access", notArea[:]),
	))

	if runtime.GOARCH != "amd64" {
		// arm64 and riscv64 check the register for 0 with one branch
		// (on x86_64 the check load faults at 0x10: qemu TestFault)
		check("register-zero", withRegister(0, func() error {
			return first(
				wanterr.Panic(func() { percpu.CPU() }, percpu.ErrRegister, percpu.RegName()+" is 0 on this CPU: register never set"),
				wanterr.Panic(func() { percpu.Add(counter, 1) }, percpu.ErrRegister, "register never set"),
			)
		}))
	}
}

// withRegister runs f with CPU 0's register set to reg, then points it back
// at area 0 and checks that it is.
func withRegister(reg uintptr, f func() error) error {
	percpu.WriteReg(reg)
	err := f()
	percpu.InitReg(0)

	return first(err,
		expect("register restored", percpu.ReadReg(), percpu.AreaBase(0)),
		expect("CPU() after the register was restored", percpu.CPU(), 0))
}

// zeroBytes checks that b is all zero.
func zeroBytes(what string, b []byte) error {
	for i, c := range b {
		if c != 0 {
			return fmt.Errorf("%s: byte %d = %#x, want 0", what, i, c)
		}
	}
	return nil
}
