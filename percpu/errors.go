// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu

import (
	"errors"
	"fmt"
)

// Errors returned by [New], [Init] and [InitInPlace], and carried by the
// panics of the accessors. The error values returned wrap them with the
// offending value and the limit: test them with [errors.Is].
var (
	// ErrNullBase: Init was given base 0.
	ErrNullBase = errors.New("percpu: null base")
	// ErrMisaligned: Init was given a base that is not aligned to
	// linker.AreaAlign (64) bytes.
	ErrMisaligned = errors.New("percpu: misaligned base")
	// ErrCPUCount: Init was given a CPU count below 1.
	ErrCPUCount = errors.New("percpu: bad CPU count")
	// ErrTooManyCPUs: the region cannot hold an area for every CPU.
	ErrTooManyCPUs = errors.New("percpu: more CPUs than the region holds")
	// ErrPointers: the type of a per-CPU variable holds pointers.
	ErrPointers = errors.New("percpu: type holds pointers")
	// ErrFrozen: a variable was defined after the layout was frozen by
	// Init or InitInPlace.
	ErrFrozen = errors.New("percpu: layout frozen")
	// ErrInitialized: Init or InitInPlace was called a second time.
	ErrInitialized = errors.New("percpu: areas already initialized")
	// ErrNotInitialized: a per-CPU access, or SetOnline, before Init or
	// InitInPlace.
	ErrNotInitialized = errors.New("percpu: areas not initialized")
	// ErrRegister: the per-CPU register of this CPU does not point at an
	// area (never set, or set to something else).
	ErrRegister = errors.New("percpu: per-CPU register not set")
	// ErrCPURange: a CPU id outside [0, AreaNum()).
	ErrCPURange = errors.New("percpu: CPU id out of range")
	// ErrTooBig: a variable larger than a chunk can hold (Alloc), or a
	// slot that would end past the limit of slot offsets (New, Define).
	ErrTooBig = errors.New("percpu: variable too big")
	// ErrNoSpace: no free space for a variable in any chunk, and no
	// memory for a new chunk.
	ErrNoSpace = errors.New("percpu: no space for a dynamic variable")
	// ErrNotAllocated: Free of a variable that Alloc did not return (a
	// Define'd one, or nil), or Alloc before the areas exist.
	ErrNotAllocated = errors.New("percpu: not an allocated variable")
	// ErrFreed: a variable used or freed after it was freed.
	ErrFreed = errors.New("percpu: variable already freed")
	// ErrPoison: the poison of a free slot was overwritten: something
	// wrote through a freed variable (use after free).
	ErrPoison = errors.New("percpu: free slot written after free")
	// ErrOnline: a bad online set given to SetOnline.
	ErrOnline = errors.New("percpu: bad online set")
	// ErrNilFunc: With was given a nil function.
	ErrNilFunc = errors.New("percpu: nil function")
)

// Error is the type of the errors returned and panicked by this package. Its
// message names the offending value and the limit; Unwrap returns one of the
// Err* values above.
type Error struct {
	kind error
	msg  string
}

// Error returns the message, which starts with "percpu: ".
func (e *Error) Error() string { return e.msg }

// Unwrap returns the sentinel error (ErrNullBase, ErrMisaligned, ...) that
// classifies e.
func (e *Error) Unwrap() error { return e.kind }

func newError(kind error, format string, args ...any) *Error {
	return &Error{kind: kind, msg: "percpu: " + fmt.Sprintf(format, args...)}
}
