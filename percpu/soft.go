// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build percpu_naive || !((amd64 && (tamago || linux)) || (tamago && (arm64 || riscv64)))

package percpu

import (
	"sync/atomic"
	"unsafe"
)

// softReg is the software per-CPU register of hosts without a register
// backend (reg_soft.go) and of percpu_naive builds (naive.go): one register
// for every goroutine, so one CPU.
var softReg atomic.Pointer[header]

// preCheck is true where a register check can fault (see pin).
const preCheck = false

// softBase returns the base of the area softReg points at, or nil if it is
// not set or not an initialized area.
func softBase() unsafe.Pointer {
	h := softReg.Load()

	if h == nil || h.magic != areaMagic {
		return nil
	}

	return unsafe.Pointer(h)
}

// softSlot returns the address of offset off in the current area, and
// panics through regFault if there is none.
func softSlot(off uintptr) unsafe.Pointer {
	b := softBase()

	if b == nil {
		regFault()
	}

	return unsafe.Add(b, off)
}

// The fast paths of the assembly backends, in Go. key is a slot key (see
// keyShift).

func this_cpu_load(key uint64, dst unsafe.Pointer) {
	off := keyOff(key)

	switch keySize(key) {
	case 8:
		*(*uint64)(dst) = *(*uint64)(softSlot(off))
	case 4:
		*(*uint32)(dst) = *(*uint32)(softSlot(off))
	case 2:
		*(*uint16)(dst) = *(*uint16)(softSlot(off))
	case 1:
		*(*uint8)(dst) = *(*uint8)(softSlot(off))
	default:
		loadPinned(key, dst)
	}
}

func this_cpu_store(key uint64, src unsafe.Pointer) {
	off := keyOff(key)

	switch keySize(key) {
	case 8:
		*(*uint64)(softSlot(off)) = *(*uint64)(src)
	case 4:
		*(*uint32)(softSlot(off)) = *(*uint32)(src)
	case 2:
		*(*uint16)(softSlot(off)) = *(*uint16)(src)
	case 1:
		*(*uint8)(softSlot(off)) = *(*uint8)(src)
	default:
		storePinned(key, src)
	}
}

func this_cpu_add(key uint64, delta uint64) {
	off := keyOff(key)

	switch keySize(key) {
	case 8:
		*(*uint64)(softSlot(off)) += delta
	case 4:
		*(*uint32)(softSlot(off)) += uint32(delta)
	case 2:
		*(*uint16)(softSlot(off)) += uint16(delta)
	default:
		*(*uint8)(softSlot(off)) += uint8(delta)
	}
}

func this_cpu_addr(off uintptr) unsafe.Pointer {
	return softSlot(off)
}

func this_cpu_ptr(off uintptr) unsafe.Pointer {
	b := softBase()

	if b == nil {
		return nil
	}

	return unsafe.Add(b, off)
}

func this_cpu_id() uint64 {
	return (*header)(softSlot(0)).cpu
}

func readReg() uintptr {
	return uintptr(unsafe.Pointer(softReg.Load()))
}
