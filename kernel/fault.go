// SMP per-CPU demo kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && percpu_fault

package main

import (
	"fmt"
	"os"
	"time"

	"github.com/tamago-smp/kernel/boot"
)

// faultAddr is the address the deliberate fault stores to. It is unmapped
// on every board: in TamaGo's inaccessible zero page on x86_64, and in the
// hole between the debug region and the boot ROM (0x100-0xfff) of QEMU virt
// on riscv64 and aarch64. It is 8-byte aligned, so that the fault is an
// access fault and not a misaligned access.
const faultAddr = 0xfa0

// faultStore stores a 64-bit value at addr (fault_<arch>.s): one store
// instruction, so that the reported PC is inside this function.
func faultStore(addr uintptr)

func init() {
	deliberate = faultOnAP
}

// faultOnAP is built with the percpu_fault tag: the last CPU online stores
// to an unmapped address. The board's fault report must name that CPU and
// the registers that identify the fault, and stop the machine with a
// non-zero status (arch.ExceptionStatus, the same on every ISA).
// The qemu/ harness boots this build in TestFault.
func faultOnAP(online []int) {
	cpu := online[len(online)-1]

	fmt.Printf("fault: cpu %d stores to %#x\n", cpu, faultAddr)

	boot.OnEachCPU(online, 10*time.Second, func(c int) {
		if c == cpu {
			faultStore(faultAddr)
		}
	})

	fmt.Printf("fault: cpu %d stored to %#x without a fault report\n", cpu, faultAddr)
	os.Exit(1)
}
