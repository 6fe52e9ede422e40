// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

// Command region prints the per-CPU region of package linker as the kernel's
// percpu: line does, for the host test of the ELF check (TestCheckELFHost).
package main

import (
	"fmt"

	"github.com/tamago-smp/kernel/linker"
)

func main() {
	start, end := linker.Region()
	fmt.Printf("percpu: _percpu_start=%#x _percpu_end=%#x area_size=%d areas=%d\n",
		start, end, linker.AreaCapacity, linker.MaxCPUs)
}
