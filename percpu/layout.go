// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu

import (
	"reflect"
	"sync"
	"unsafe"
)

// areaMagic is the header word the fast paths check before every access
// ("pcpu" in a memory dump). It fits a sign-extended 32-bit immediate, so
// that x86 compares it with one CMPQ $imm, gs:[16].
const areaMagic = 0x75706370

// header is the start of every area. Its offsets reach the assembly through
// go_asm.h (header_self, header_cpu, header_magic, header__size).
type header struct {
	self  uint64 // base of this area
	cpu   uint64 // CPU id
	magic uint64 // areaMagic once the area is initialised
}

// layout is the template area: the header followed by every variable defined
// so far, with its initial value.
var layout struct {
	mu       sync.Mutex
	template []byte // len(template) is the area size
	frozen   bool
}

// templateLocked returns the template, creating its header part on first use.
// Callers hold layout.mu.
func templateLocked() []byte {
	if layout.template == nil {
		layout.template = make([]byte, unsafe.Sizeof(header{}))
	}
	return layout.template
}

// Var is a per-CPU variable of type T: one slot of type T in the area of
// every CPU. Create it with [Define] or [New].
//
// A Var is a handle: copy the pointer, not the Var.
type Var[T any] struct {
	off  uintptr // offset of the slot in every area
	init T       // initial value, copied into every area and used by Reset
}

// New defines a per-CPU variable of type T whose slot in every area starts
// as init. Call it before the areas are initialised (typically through
// [Define] in a package-level var declaration).
//
// T must not hold pointers. Slots of 1, 2, 4 and 8 bytes are aligned to their
// size so that the single-call accessors can use one aligned access.
//
// New returns an error wrapping [ErrPointers] naming T and the field that
// holds a pointer, or [ErrFrozen] if the layout was already frozen by [Init]
// or [InitInPlace].
//
// Concurrency: New may be called from any goroutine.
func New[T any](init T) (*Var[T], error) {
	t := reflect.TypeFor[T]()

	if where, kind, ok := findPointer(t, ""); ok {
		if where == "" {
			return nil, newError(ErrPointers, "type %s holds pointers: it is a %s; per-CPU areas are not scanned by the garbage collector",
				t, kind)
		}
		return nil, newError(ErrPointers, "type %s holds pointers: %s is a %s; per-CPU areas are not scanned by the garbage collector",
			t, where, kind)
	}

	size := t.Size()
	align := uintptr(t.Align())

	switch size {
	case 1, 2, 4, 8:
		align = max(align, size)
	}

	layout.mu.Lock()
	defer layout.mu.Unlock()

	tmpl := templateLocked()

	if layout.frozen {
		return nil, newError(ErrFrozen, "New[%s] after the layout was frozen by Init: the area size (%d bytes) is final",
			t, len(tmpl))
	}

	off := alignUp(uintptr(len(tmpl)), align)
	end := off + size

	tmpl = append(tmpl, make([]byte, end-uintptr(len(tmpl)))...)
	copy(tmpl[off:end], unsafe.Slice((*byte)(unsafe.Pointer(&init)), size))
	layout.template = tmpl

	return &Var[T]{off: off, init: init}, nil
}

// Define is [New] for package-level declarations:
//
//	var hits = percpu.Define[uint64](0)
//
// It panics with the error New would return.
func Define[T any](init T) *Var[T] {
	v, err := New(init)

	if err != nil {
		panic(err)
	}

	return v
}

// findPointer reports where type t holds a pointer: the path of the field or
// element from the top of the type ("" for t itself) and the kind found.
func findPointer(t reflect.Type, path string) (where string, kind string, ok bool) {
	switch t.Kind() {
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return "", "", false
	case reflect.Array:
		if t.Len() == 0 {
			return "", "", false
		}
		return findPointer(t.Elem(), path+"[]")
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if where, kind, ok := findPointer(f.Type, path+"."+f.Name); ok {
				return where, kind, ok
			}
		}
		return "", "", false
	}

	kind = t.Kind().String()

	switch t.Kind() {
	case reflect.Pointer:
		kind = "pointer (" + t.String() + ")"
	case reflect.UnsafePointer:
		kind = "unsafe.Pointer"
	case reflect.Chan:
		kind = "channel (" + t.String() + ")"
	case reflect.Func, reflect.Interface, reflect.Map, reflect.Slice:
		kind += " (" + t.String() + ")"
	}

	switch {
	case path == "":
		return "", kind, true
	case path[0] == '.':
		return "field " + path, kind, true
	}

	return "element " + path, kind, true
}

func alignUp(x, align uintptr) uintptr {
	return (x + align - 1) &^ (align - 1)
}
