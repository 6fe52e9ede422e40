// Boot-time self-tests of per-CPU data
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package selftest

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unsafe"

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
// Preconditions: the areas are initialised and only CPU 0 runs (call it
// between percpu.InitInPlace and boot.Start): some checks point CPU 0's
// register elsewhere for a moment, and panics are recovered, which a pinned
// goroutine could not do. CPU 0's register is restored before it returns.
//
// The register checks follow what each fast path checks: on x86_64 the area
// magic at gs:[16] (a register of 0 makes that load fault at address 0x10,
// in the unmapped zero page: the kernel's percpu_fault_noreg build covers
// it, see qemu TestFault); on arm64 and riscv64 a register of 0, with one
// branch, then the self word of the area header. On every ISA a register
// pointing at memory that is not an initialised area is refused.
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

	check("pointer-type", wantErr(func() error {
		_, err := percpu.New[*uint64](nil)
		return err
	}, percpu.ErrPointers, "type *uint64", "pointer"))

	check("pointer-field", wantErr(func() error {
		_, err := percpu.New(struct {
			N    uint64
			Name string
		}{})
		return err
	}, percpu.ErrPointers, "field .Name", "string"))

	check("define-after-freeze", wantErr(func() error {
		_, err := percpu.New[uint32](1)
		return err
	}, percpu.ErrFrozen, "uint32", fmt.Sprintf("(%d bytes)", percpu.AreaSize())))

	check("define-after-freeze-panics", wantPanic(func() {
		percpu.Define[uint16](1)
	}, percpu.ErrFrozen, "frozen"))

	check("init-twice", wantErr(func() error {
		_, err := percpu.InitInPlace()
		return err
	}, percpu.ErrInitialised, "already initialised", areas, fmt.Sprintf("%#x", base)))

	check("init-at-base-twice", wantErr(func() error {
		_, err := percpu.Init(base, percpu.AreaStride(), 1)
		return err
	}, percpu.ErrInitialised, "already initialised", areas))

	check("null-base", wantErr(func() error {
		_, err := percpu.Init(0, percpu.AreaStride(), 1)
		return err
	}, percpu.ErrNullBase, "0x0", "64"))

	check("misaligned-base", wantErr(func() error {
		_, err := percpu.Init(base+8, percpu.AreaStride(), 1)
		return err
	}, percpu.ErrMisaligned, fmt.Sprintf("%#x", base+8), "64 bytes", "8 bytes past"))

	check("init-too-small", wantErr(func() error {
		_, err := percpu.Init(base, percpu.AreaStride(), 2)
		return err
	}, percpu.ErrTooManyCPUs, "2 CPUs need 2 areas", fmt.Sprintf("is %d bytes (1 area)", percpu.AreaStride())))

	check("cpu-count", wantErr(func() error {
		_, err := percpu.Init(base, percpu.AreaStride(), 0)
		return err
	}, percpu.ErrCPUCount, "CPU count 0", "below 1"))

	for _, cpu := range []int{-1, n} {
		id := fmt.Sprintf("cpu %d", cpu)

		check(fmt.Sprintf("remote(%d)", cpu), wantPanic(func() {
			counter.Remote(cpu)
		}, percpu.ErrCPURange, id, areas))

		check(fmt.Sprintf("initreg(%d)", cpu), first(
			wantPanic(func() { percpu.InitReg(cpu) }, percpu.ErrCPURange, id, areas),
			expect("register after the refused InitReg", percpu.ReadReg(), base),
		))
	}

	// Every fast path checks that the register is the base of an
	// initialised area: on x86_64 the magic at gs:[16], on arm64 and
	// riscv64 the self word of the header. A register pointing at memory
	// that is not an area (as the boot CPU's does before Init) is refused,
	// and nothing is written there.
	other := uintptr(unsafe.Pointer(&notArea))

	check("register-not-an-area", first(
		withRegister(other, func() error {
			return first(
				wantPanic(func() { vUint64.Read() }, percpu.ErrRegister,
					fmt.Sprintf("%s=%#x is not the base of a per-CPU area", percpu.RegName(), other), areas),
				wantPanic(func() { percpu.Add(counter, 1) }, percpu.ErrRegister, "not the base of a per-CPU area"),
				wantPanic(func() { vUint8.Write(9) }, percpu.ErrRegister, "not the base of a per-CPU area"),
			)
		}),
		zeroBytes("memory at the register after a refused access", notArea[:]),
	))

	if runtime.GOARCH != "amd64" {
		// arm64 and riscv64 check the register for 0 with one branch
		// (on x86_64 the check load faults at 0x10: qemu TestFault)
		check("register-zero", withRegister(0, func() error {
			return first(
				wantPanic(func() { percpu.CPU() }, percpu.ErrRegister, percpu.RegName()+" is 0 on this CPU: register never set"),
				wantPanic(func() { percpu.Add(counter, 1) }, percpu.ErrRegister, "register never set"),
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

// wantErr runs f and checks that its error wraps kind and mentions every
// one of parts.
func wantErr(f func() error, kind error, parts ...string) error {
	err := f()

	if err == nil {
		return fmt.Errorf("no error, want %v", kind)
	}
	if !errors.Is(err, kind) {
		return fmt.Errorf("error %q does not wrap %q", err, kind)
	}

	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			return fmt.Errorf("error %q does not name %q", err, p)
		}
	}

	return nil
}

// wantPanic runs f and checks that it panics with an error that wraps kind
// and mentions every one of parts.
func wantPanic(f func(), kind error, parts ...string) error {
	v := panicOf(f)

	if v == nil {
		return fmt.Errorf("no panic, want %v", kind)
	}

	err, ok := v.(error)
	if !ok {
		return fmt.Errorf("panicked with %T %v, want an error", v, v)
	}

	return wantErr(func() error { return err }, kind, parts...)
}

// panicOf runs f and returns the value it panicked with, nil if none.
func panicOf(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
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
