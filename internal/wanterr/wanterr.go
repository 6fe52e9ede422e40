// Checks of refused input
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Package wanterr checks that bad input is refused as the library promises:
// with an error, or a panic with an error, that wraps the right sentinel
// (percpu.ErrPointers, percpu.ErrCPURange, ...) and names the offending value
// and the limit. It is the one source of these checks for the host tests of
// package percpu and for the kernel's boot-time self-tests
// (kernel/selftest), which run the same cases on every ISA.
//
// Each check returns nil or an error saying what was expected and what was
// seen; it allocates only to build that error.
package wanterr

import (
	"errors"
	"fmt"
	"strings"
)

// Error checks that err is not nil, wraps kind and mentions every one of
// parts in its message.
func Error(err, kind error, parts ...string) error {
	if err == nil {
		return fmt.Errorf("no error, want %v", kind)
	}
	if !errors.Is(err, kind) {
		return fmt.Errorf("error %q does not wrap %q", err, kind)
	}

	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			return fmt.Errorf("error %q does not mention %q", err, p)
		}
	}

	return nil
}

// Panic runs f and checks that it panics with an error that passes
// [Error] with kind and parts.
func Panic(f func(), kind error, parts ...string) error {
	v := PanicOf(f)

	if v == nil {
		return fmt.Errorf("no panic, want %v", kind)
	}

	err, ok := v.(error)
	if !ok {
		return fmt.Errorf("panicked with %T %v, want an error", v, v)
	}

	return Error(err, kind, parts...)
}

// PanicOf runs f and returns the value it panicked with, nil if it did not.
func PanicOf(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// ErrOf returns the error of a call that returns a value and an error, so
// that one line checks it: Error(ErrOf(percpu.New[*int](nil)), ...).
func ErrOf(_ any, err error) error {
	return err
}
