// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"debug/elf"
	"fmt"

	"github.com/tamago-smp/kernel/linker"
)

// linkAlign is the largest alignment cmd/link gives a data symbol (maxAlign
// in cmd/link/internal/{amd64,arm64,riscv64}/l.go).
const linkAlign = 32

// checkELF checks the per-CPU region of a kernel ELF: the symbols
// _percpu_start and _percpu_end exist with the sizes of package linker,
// _percpu_end follows the region, _percpu_start has the alignment cmd/link
// gives it, and, when con holds a percpu: line, the addresses the kernel
// printed are the symbol values.
func checkELF(path string, con console) (errs []error) {
	f, err := elf.Open(path)
	if err != nil {
		return []error{err}
	}
	defer f.Close()

	syms, err := f.Symbols()
	if err != nil {
		return []error{fmt.Errorf("%s: %v", path, err)}
	}

	var start, end *elf.Symbol

	for i := range syms {
		switch syms[i].Name {
		case "_percpu_start":
			start = &syms[i]
		case "_percpu_end":
			end = &syms[i]
		}
	}

	for _, err := range checkSymbols(start, end, con) {
		errs = append(errs, fmt.Errorf("%s: %v", path, err))
	}

	return
}

// checkSymbols checks the region symbols found in an ELF (nil if absent)
// against package linker and against the percpu: line in con.
func checkSymbols(start, end *elf.Symbol, con console) (errs []error) {
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}

	if start == nil {
		bad("no _percpu_start symbol")
	}
	if end == nil {
		bad("no _percpu_end symbol")
	}
	if start == nil || end == nil {
		return
	}

	if start.Size != linker.RegionSize {
		bad("_percpu_start size %d, want linker.RegionSize = %d", start.Size, linker.RegionSize)
	}
	if end.Value-start.Value != linker.RegionSize {
		bad("_percpu_end - _percpu_start = %#x - %#x = %d, want linker.RegionSize = %d",
			end.Value, start.Value, int64(end.Value-start.Value), linker.RegionSize)
	}
	if end.Size != linker.GuardSize {
		bad("_percpu_end (guard) size %d, want linker.GuardSize = %d", end.Size, linker.GuardSize)
	}
	if start.Value%linkAlign != 0 {
		bad("_percpu_start %#x is not %d-byte aligned", start.Value, linkAlign)
	}

	if !con.HavePercpu {
		return
	}

	if con.Start != start.Value {
		bad("kernel printed _percpu_start=%#x, the ELF symbol is %#x", con.Start, start.Value)
	}
	if con.End != end.Value {
		bad("kernel printed _percpu_end=%#x, the ELF symbol is %#x", con.End, end.Value)
	}

	return
}
