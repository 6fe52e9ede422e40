// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build linux && !tamago && !percpu_naive

package percpu

import (
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// arch_prctl codes (linux arch/x86/include/uapi/asm/prctl.h); golang.org/x/sys
// has the system call number but not these.
const (
	archSetGS = 0x1001
	archGetGS = 0x1004
)

// preCheck is true where a register check can fault (see pin): a thread whose
// GS base is 0 faults on the load of gs:[header_magic].
const preCheck = true

func readReg() uintptr {
	var base uintptr

	if _, _, errno := unix.RawSyscall(unix.SYS_ARCH_PRCTL, archGetGS, uintptr(unsafe.Pointer(&base)), 0); errno != 0 {
		panic("percpu: arch_prctl(ARCH_GET_GS): " + errno.Error())
	}

	return base
}

// writeReg locks the goroutine to its thread before it sets the thread's GS
// base. The lock also keeps the runtime from creating threads by cloning this
// one (newm hands thread creation to the template thread when the current
// thread is locked), which would copy the GS base into a second "CPU".
func writeReg(base uintptr) {
	runtime.LockOSThread()

	if _, _, errno := unix.RawSyscall(unix.SYS_ARCH_PRCTL, archSetGS, base, 0); errno != 0 {
		panic("percpu: arch_prctl(ARCH_SET_GS): " + errno.Error())
	}
}

func regName() string {
	return "gs_base"
}

func onInit(base unsafe.Pointer) {}
