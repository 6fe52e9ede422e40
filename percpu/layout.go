// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
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
	magic uint64 // areaMagic once the area is initialized
}

// layout is the template area: the header followed by every variable defined
// so far, with its initial value.
var layout struct {
	mu       sync.Mutex
	template []byte // len(template) is the area size
	frozen   bool
	frozenBy string // "Init" or "InitInPlace"
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
// every CPU. Create it with [Define] or [New] before the areas are
// initialized, or with [Alloc] afterwards.
//
// A Var is a handle: copy the pointer, not the Var.
type Var[T any] struct {
	off   uintptr       // offset of the slot in every area
	state atomic.Uint32 // varStatic, varLive or varFreed
	init  T             // initial value, copied into every area and used by Reset
}

// States of a Var.
const (
	varStatic = iota // defined by New or Define: lives as long as the areas
	varLive          // allocated by Alloc, not freed
	varFreed         // given back with Free: every use is a use after free
)

// maxOffset is the limit of a slot's end offset: slot keys carry the offset
// in their low keyShift bits (see keyShift).
const maxOffset = 1 << keyShift

// New defines a per-CPU variable of type T whose slot in every area starts
// as init. Call it before the areas are initialized (typically through
// [Define] in a package-level var declaration); after, use [Alloc].
//
// T must not hold pointers. Slots of 1, 2, 4 and 8 bytes are aligned to their
// size so that the single-call accessors can use one aligned access. A
// zero-size T (struct{}, [0]int) still gets a slot of its own, one byte, so
// that no two variables share an offset.
//
// New returns an error wrapping [ErrPointers] naming T and the field that
// holds a pointer, [ErrFrozen] if the layout was already frozen by [Init]
// or [InitInPlace], or [ErrTooBig] if the slot would end past the 4 GiB
// limit of slot offsets.
//
// Concurrency: New may be called from any goroutine.
func New[T any](init T) (*Var[T], error) {
	return define("New", init)
}

// Define is [New] for package-level declarations:
//
//	var hits = percpu.Define[uint64](0)
//
// It panics with the error New would return.
func Define[T any](init T) *Var[T] {
	v, err := define("Define", init)

	if err != nil {
		panic(err)
	}

	return v
}

// define is New, with the name of the function the caller called for the
// messages.
func define[T any](fn string, init T) (*Var[T], error) {
	t := reflect.TypeFor[T]()

	if err := pointerError(t); err != nil {
		return nil, err
	}

	size, align := slotShape(t)

	layout.mu.Lock()
	defer layout.mu.Unlock()

	tmpl := templateLocked()

	if layout.frozen {
		return nil, newError(ErrFrozen, "%s[%s] after the layout was frozen by %s: the area size (%s) is final; allocate with Alloc",
			fn, t, layout.frozenBy, plural(len(tmpl), "byte"))
	}

	off := alignUp(uintptr(len(tmpl)), align)
	end := uint64(off) + uint64(size)

	if end > maxOffset {
		return nil, newError(ErrTooBig, "%s[%s]: a slot at offset %#x of %s would end at %#x, past the limit of slot offsets %#x (2^%d)",
			fn, t, off, plural(int(size), "byte"), end, uint64(maxOffset), keyShift)
	}

	tmpl = append(tmpl, make([]byte, uintptr(end)-uintptr(len(tmpl)))...)
	copy(tmpl[off:], unsafe.Slice((*byte)(unsafe.Pointer(&init)), t.Size()))
	layout.template = tmpl

	return &Var[T]{off: off, init: init}, nil
}

// pointerError returns an error wrapping ErrPointers if t holds pointers.
func pointerError(t reflect.Type) error {
	where, kind, ok := findPointer(t, "")

	switch {
	case !ok:
		return nil
	case where == "":
		return newError(ErrPointers, "type %s holds pointers: it is %s; per-CPU areas are not scanned by the garbage collector",
			t, article(kind))
	}

	return newError(ErrPointers, "type %s holds pointers: %s is %s; per-CPU areas are not scanned by the garbage collector",
		t, where, article(kind))
}

// slotShape returns the bytes a slot of type t takes (at least 1) and its
// alignment: that of t, and for 1, 2, 4 and 8 bytes its size.
func slotShape(t reflect.Type) (size, align uintptr) {
	size = max(t.Size(), 1)
	align = uintptr(t.Align())

	switch size {
	case 1, 2, 4, 8:
		align = max(align, size)
	}

	return size, align
}

// article prefixes s with "a" or "an".
func article(s string) string {
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

// plural returns "n word" or "n words".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
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
