// Facts shared by the ISA ports
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package arch

import (
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// TestAreaZeroInAssembly checks that the entry code of every port computes
// area 0 as linker.FirstArea does in Go: _percpu_start rounded up to
// linker.AreaAlign, through the package constant areaAlign = linker.AreaAlign
// that go_asm.h carries as const_areaAlign, never a number of its own.
func TestAreaZeroInAssembly(t *testing.T) {
	round := regexp.MustCompile(`(?s)\$_percpu_start\(SB\)|ADDR\(_percpu_start\)`)
	up := regexp.MustCompile(`(?s)(\$_percpu_start\(SB\)|ADDR\(_percpu_start\)).{0,60}\$\(const_areaAlign-1\).{0,60}\$~\(const_areaAlign-1\)`)
	alias := regexp.MustCompile(`(?m)^const areaAlign = linker\.AreaAlign$`)

	for _, isa := range ports {
		dir := filepath.Join("..", "arch", isa)

		entry, err := os.ReadFile(filepath.Join(dir, "entry.s"))
		if err != nil {
			t.Fatal(err)
		}

		if !round.Match(entry) {
			t.Errorf("%s/entry.s: no _percpu_start: the boot CPU's per-CPU register is not set to area 0 there", dir)
		} else if !up.Match(entry) {
			t.Errorf("%s/entry.s: _percpu_start is not rounded up with $(const_areaAlign-1) and $~(const_areaAlign-1)", dir)
		}

		gofiles, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}

		found := false
		for _, f := range gofiles {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			found = found || alias.Match(b)
		}

		if !found {
			t.Errorf("%s: no `const areaAlign = linker.AreaAlign` for go_asm.h's const_areaAlign", dir)
		}
	}
}

// sysreg returns the A64 encoding of MRS (read) or MSR (register) of the
// system register (op0, op1, CRn, CRm, op2) with Rt = 0 (Arm ARM, C5.2 and
// the MRS and MSR (register) instructions).
func sysreg(read bool, op0, op1, crn, crm, op2 uint32) uint32 {
	w := uint32(0xd5000000) | op0<<19 | op1<<16 | crn<<12 | crm<<8 | op2<<5
	if read {
		w |= 1 << 21
	}
	return w
}

// TestTPIDREL2Encodings checks every WORD-encoded access to TPIDR_EL2 (the
// Go assembler cannot spell _EL2 registers) against the architectural
// encoding: the macros of arch/arm64/arm64.h, and every WORD in the
// repository's assembly whose comment names tpidr_el2 (package percpu and
// the benchmark kernel have their own copies).
func TestTPIDREL2Encodings(t *testing.T) {
	// TPIDR_EL2: op0 3, op1 4, CRn 13, CRm 0, op2 2 (Arm ARM, D23.2 TPIDR_EL2)
	mrs, msr := sysreg(true, 3, 4, 13, 0, 2), sysreg(false, 3, 4, 13, 0, 2)

	h, err := os.ReadFile(filepath.Join("..", "arch", "arm64", "arm64.h"))
	if err != nil {
		t.Fatal(err)
	}

	for name, want := range map[string]uint32{"MRS_TPIDR_EL2": mrs, "MSR_TPIDR_EL2": msr} {
		m := regexp.MustCompile(`#define ` + name + `\(r\)\s+WORD \$\((0x[0-9a-f]+)\|\(r\)\)`).FindSubmatch(h)
		if m == nil {
			t.Errorf("arch/arm64/arm64.h: no `#define %s(r) WORD $(0x...|(r))`", name)
			continue
		}
		if got, _ := strconv.ParseUint(string(m[1]), 0, 32); uint32(got) != want {
			t.Errorf("arch/arm64/arm64.h: %s is %s, want %#x", name, m[1], want)
		}
	}

	// WORD $0x........ // mrs xN, tpidr_el2  |  msr tpidr_el2, xN
	word := regexp.MustCompile(`(?i)WORD\s+\$(0x[0-9a-fA-F]{8}).*(?://|/\*)\s*(mrs\s+x([0-9]+),\s*tpidr_el2|msr\s+tpidr_el2,\s*x([0-9]+))`)
	seen := 0

	for _, path := range repoFiles(t, ".s", ".h") {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}

		for i, l := range strings.Split(string(b), "\n") {
			m := word.FindStringSubmatch(l)
			if m == nil {
				continue
			}

			got, _ := strconv.ParseUint(m[1], 0, 32)
			want, rt := mrs, m[3]
			if rt == "" {
				want, rt = msr, m[4]
			}
			n, _ := strconv.Atoi(rt)
			want |= uint32(n)

			if uint32(got) != want {
				t.Errorf("%s:%d: %s encodes %s, want %#x", path, i+1, m[1], m[2], want)
			}
			seen++
		}
	}

	t.Logf("%d WORD-encoded TPIDR_EL2 accesses checked", seen)
}

// TestNoModulePathInStrings checks that no string literal of the
// repository holds this module's path, go:linkname directives included:
// gonew rewrites import paths, not strings, so such a string would silently
// stop matching in a module forked from this one (a board's link-time
// symbols would go missing, a test would expect the old path). Code that
// needs the path derives it (debug.ReadBuildInfo, go.mod); link names
// shared between packages carry no package path (_percpu_start,
// _board_putc).
func TestNoModulePathInStrings(t *testing.T) {
	mod, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	path := modfile.ModulePath(mod)
	if path == "" {
		t.Fatal("go.mod: no module line")
	}

	seen := 0
	for _, name := range repoFiles(t, ".go") {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}

		fset := token.NewFileSet()
		var s scanner.Scanner
		s.Init(fset.AddFile(name, -1, len(src)), src, nil, scanner.ScanComments)
		inImport := false
		for {
			pos, tok, lit := s.Scan()
			if tok == token.EOF {
				break
			}
			switch {
			case tok == token.IMPORT:
				inImport = true
			case tok == token.FUNC || tok == token.VAR || tok == token.CONST || tok == token.TYPE:
				inImport = false
			case tok == token.COMMENT && strings.HasPrefix(lit, "//go:linkname"):
				seen++
				if strings.Contains(lit, path) {
					t.Errorf("%s: %q names a symbol by the module path %s, which a fork does not keep", fset.Position(pos), lit, path)
				}
			case tok == token.STRING && !inImport:
				seen++
				if strings.Contains(lit, path) {
					t.Errorf("%s: %s holds the module path %s, which a fork does not keep", fset.Position(pos), lit, path)
				}
			}
		}
	}

	if seen == 0 {
		t.Errorf("no string literal found under ..: the walk is broken")
	}
	t.Logf("%d string literals and go:linkname directives checked", seen)
}

// shape is the file every port has for the same job (see the READMEs).
var shape = []string{
	"entry.s",                     // the ELF entry or cpuinit: the boot CPU before Go
	"early.go",                    // the checks before Go (RAM, CPU features)
	"exception.go", "exception.s", // the CPU exception report
	"board.go",        // the board contract: the symbols the board defines
	"idle.go",         // the goos.Idle governor
	"timer.go",        // the clock
	"cpu.go", "cpu.s", // CPU registers and instructions
	"describe.go", "describe_test.go", // the CPUs the firmware describes, tested on the host
	"smp.go", "smp.s", // wake, AP entry, park, enter
	"README.md", // the boot path tables
}

// TestPortShape checks that every port keeps the same file for the same
// job.
func TestPortShape(t *testing.T) {
	for _, isa := range ports {
		for _, f := range shape {
			if _, err := os.Stat(filepath.Join("..", "arch", isa, f)); err != nil {
				t.Errorf("arch/%s/%s: %v: every port has it (the shape in arch/shared_test.go)", isa, f, err)
			}
		}
	}
}

// repoFiles returns the paths of the repository's files (below .., build
// outputs and dot directories left out) whose names end in one of suffixes.
func repoFiles(t *testing.T, suffixes ...string) (paths []string) {
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "build" || strings.HasPrefix(d.Name(), ".")) && path != ".." {
			return filepath.SkipDir
		}
		for _, s := range suffixes {
			if !d.IsDir() && strings.HasSuffix(path, s) {
				paths = append(paths, path)
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	return
}
