// SMP per-CPU demo kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && percpu_fault_noreg

package main

import (
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/tamago-smp/kernel/percpu"
)

func init() {
	deliberate = noRegisterOnAP
}

// noRegisterOnAP is built with the percpu_fault_noreg tag: the last CPU
// online sets its per-CPU register to 0, as if its entry code had never set
// it, and reads its CPU id from its area. The access must be detected, never
// become a memory access near address 0 that succeeds: on x86_64 the check
// load of gs:[16] page-faults in the zero page and the fault report names
// the CPU, cr2=0x10 and gs_base=0; on arm64 and riscv64 the check of the
// register panics with percpu.ErrRegister ("gp is 0 on this CPU: register
// never set"). Either way the machine stops with a non-zero status. The
// qemu/ harness boots this build in TestFault.
//
// The goroutine is not pinned (a panic while pinned is fatal before the
// runtime prints the error): it yields until it runs on the chosen CPU, then
// reads the id, writes the register and reads it again with no preemption
// point in between (CPU and WriteReg are inlined down to assembly leaves),
// so all three run on that CPU.
func noRegisterOnAP(online []int) {
	cpu := online[len(online)-1]

	fmt.Printf("fault: cpu %d sets %s to 0 and reads percpu.CPU()\n", cpu, percpu.RegName())

	done := make(chan int)

	go func() {
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); runtime.Gosched() {
			if percpu.CPU() == cpu {
				percpu.WriteReg(0)
				done <- percpu.CPU()
				return
			}
		}

		done <- -1
	}()

	fmt.Printf("fault: cpu %d read percpu.CPU() = %d with its register 0, without a report\n", cpu, <-done)
	os.Exit(1)
}
