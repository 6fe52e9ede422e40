// Facts shared by the ISA ports
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package arch

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// ports are the ISA directories whose README lists the boot path, with the
// GOARCH of each.
var ports = []string{"amd64", "arm64", "riscv64"}

// A step is one row of a boot path table: file:symbol.
type step struct {
	line   int
	file   string // relative to the repository, the toolchain or the module cache
	symbol string // function, TEXT symbol or assembly label; Type.Method for methods
}

// stepRow matches a table row `| n | `file:symbol` | what holds after it |`.
var stepRow = regexp.MustCompile("^\\| *([0-9]+) *\\| *`([^`:]+):([^`]+)` *\\|")

// bootTables returns the rows of the "Boot path" and "Secondary CPUs"
// tables of a README, in order, the rows of a "Secondary CPUs under SBI"
// table after the latter. The numbers of each must count 1, 2, 3...
func bootTables(text string) (boot, secondary []step, err error) {
	var cur *[]step
	var sbi []step // a port's secondary CPUs in S-mode, numbered on their own

	for i, l := range strings.Split(text, "\n") {
		switch strings.TrimSpace(l) {
		case "Boot path":
			cur = &boot
			continue
		case "Secondary CPUs":
			cur = &secondary
			continue
		case "Secondary CPUs under SBI":
			cur = &sbi
			continue
		}

		m := stepRow.FindStringSubmatch(l)
		if m == nil {
			continue
		}

		if cur == nil {
			return nil, nil, fmt.Errorf("line %d: a step outside the Boot path and Secondary CPUs sections: %q", i+1, l)
		}

		if want := fmt.Sprint(len(*cur) + 1); m[1] != want {
			return nil, nil, fmt.Errorf("line %d: step %s, want %s (steps count from 1 in order)", i+1, m[1], want)
		}

		*cur = append(*cur, step{line: i + 1, file: m[2], symbol: m[3]})
	}

	return boot, append(secondary, sbi...), nil
}

// defines reports whether source text src (a .go or .s file) defines
// symbol: a Go function or method (Type.Method), an assembly TEXT symbol
// (with or without its package prefix) or an assembly label.
func defines(src, name, symbol string) bool {
	var re string

	switch {
	case strings.HasSuffix(name, ".go"):
		if typ, method, ok := strings.Cut(symbol, "."); ok {
			re = `(?m)^func \((\w+ )?\*?` + regexp.QuoteMeta(typ) + `\) ` + regexp.QuoteMeta(method) + `\(`
		} else {
			re = `(?m)^func ` + regexp.QuoteMeta(symbol) + `[(\[]`
		}
	case strings.HasSuffix(name, ".s"):
		s := regexp.QuoteMeta(symbol)
		re = `(?m)^(TEXT\s+(\S*[·.])?` + s + `(<>)?\(SB\)|` + s + `:)`
	default:
		return false
	}

	return regexp.MustCompile(re).MatchString(src)
}

// roots returns the directories the files of a step may be relative to:
// the repository for our files, the tamago-go toolchain's src for
// runtime/..., the module cache for github.com/usbarmory/tamago/.... A root
// that cannot be found is "", and its steps are skipped with a log line.
func roots(t *testing.T) (repo, goroot, tamago string) {
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}

	mod, err := os.ReadFile(filepath.Join(repo, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}

	m := regexp.MustCompile(`(?m)^require github.com/usbarmory/tamago (v\S+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod: no `require github.com/usbarmory/tamago vX.Y.Z` line")
	}
	version := string(m[1])

	if gomodcache, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		dir := filepath.Join(strings.TrimSpace(string(gomodcache)), "github.com", "usbarmory", "tamago@"+version)
		if _, err := os.Stat(dir); err == nil {
			tamago = dir
		}
	}

	// the compiler as `go tool tamago` installs it, or $TAMAGO (its bin/go)
	var dirs []string
	if bin := os.Getenv("TAMAGO"); bin != "" {
		dirs = append(dirs, filepath.Join(filepath.Dir(filepath.Dir(bin)), "src"))
	}
	if cache, err := os.UserCacheDir(); err == nil {
		dirs = append(dirs, filepath.Join(cache, "tamago-go", "tamago-go"+strings.TrimPrefix(version, "v"), "src"))
	}
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "runtime", "goos")); err == nil {
			goroot = d
			break
		}
	}

	return
}

// TestBootPathTables checks the boot path tables of every ISA README: both
// tables are there, the boot path runs from the ELF entry to main.main,
// and every file:symbol exists, so that the tables cannot drift from the
// code.
func TestBootPathTables(t *testing.T) {
	repo, goroot, tamago := roots(t)

	// the boards' targets, which name the link facts
	var targets []byte
	files, _ := filepath.Glob(filepath.Join(repo, "board", "*", "*", "target.go"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, b...)
	}

	checked := 0

	for _, isa := range ports {
		readme := filepath.Join(repo, "arch", isa, "README.md")

		b, err := os.ReadFile(readme)
		if err != nil {
			t.Fatal(err)
		}

		boot, secondary, err := bootTables(string(b))
		if err != nil {
			t.Errorf("%s: %v", readme, err)
			continue
		}

		if len(boot) < 3 || len(secondary) < 3 {
			t.Errorf("%s: %d boot path steps and %d secondary CPU steps, want at least 3 of each (sections Boot path, Secondary CPUs)", readme, len(boot), len(secondary))
			continue
		}

		// the ELF entry: the linker's -E symbol if a board's target
		// names one for this ISA, else its default _rt0_<GOARCH>_tamago
		entry := "_rt0_" + isa + "_tamago"
		if m := regexp.MustCompile(`-E (_rt0_\w*` + isa + `\w*)`).FindSubmatch(targets); m != nil {
			entry = string(m[1])
		}
		if first := boot[0]; first.symbol != entry {
			t.Errorf("%s:%d: the boot path starts at %s, want the ELF entry %s", readme, first.line, first.symbol, entry)
		}

		if last := boot[len(boot)-1]; last.file != "kernel/main.go" || last.symbol != "main" {
			t.Errorf("%s:%d: the boot path ends at %s:%s, want kernel/main.go:main", readme, last.line, last.file, last.symbol)
		}

		for _, s := range append(boot, secondary...) {
			root := repo
			file := s.file

			switch {
			case strings.HasPrefix(file, "runtime/"):
				root = goroot
			case strings.HasPrefix(file, "github.com/usbarmory/tamago/"):
				root, file = tamago, strings.TrimPrefix(file, "github.com/usbarmory/tamago/")
			}

			if root == "" {
				t.Logf("%s:%d: %s: its tree is not on this machine, not checked", readme, s.line, s.file)
				continue
			}

			src, err := os.ReadFile(filepath.Join(root, file))
			if err != nil {
				t.Errorf("%s:%d: %s:%s: %v", readme, s.line, s.file, s.symbol, err)
				continue
			}

			if !defines(string(src), file, s.symbol) {
				t.Errorf("%s:%d: %s defines no %s (function, TEXT symbol or label)", readme, s.line, s.file, s.symbol)
				continue
			}

			checked++
		}
	}

	t.Logf("%d boot path steps checked", checked)
}

// TestDefines checks the symbol matcher of the boot path tables, so that a
// missing symbol fails TestBootPathTables.
func TestDefines(t *testing.T) {
	for _, c := range []struct {
		name, src, symbol string
		want              bool
	}{
		{"a.go", "func main() {\n", "main", true},
		{"a.go", "func mainly() {\n", "main", false},
		{"a.go", "func (SMP) Wake(cpus []int) {\n", "SMP.Wake", true},
		{"a.go", "func (s *SMP) Enter(cpu int) {\n", "SMP.Enter", true},
		{"a.go", "func (*SMP) Enter(cpu int) {\n", "SMP.Enter", true},
		{"a.go", "func (*SMP) Enter(cpu int) {\n", "SMP.Wake", false},
		{"a.go", "// Enter is\n", "Enter", false},
		{"a.s", "TEXT ·apstart(SB),NOSPLIT|NOFRAME,$0\n", "apstart", true},
		{"a.s", "TEXT runtime·mstart(SB),NOSPLIT,$0\n", "mstart", true},
		{"a.s", "TEXT cpuinit(SB),NOSPLIT|NOFRAME,$0\n", "cpuinit", true},
		{"a.s", "TEXT early_puts<>(SB),NOSPLIT|NOFRAME,$0\n", "early_puts", true},
		{"a.s", "\tJMP\tpark\npark:\n", "park", true},
		{"a.s", "\tJMP\tpark\n", "park", false},
		{"a.s", "TEXT ·apstart2(SB),NOSPLIT,$0\n", "apstart", false},
	} {
		if got := defines(c.src, c.name, c.symbol); got != c.want {
			t.Errorf("defines(%q, %q, %q) = %v, want %v", c.src, c.name, c.symbol, got, c.want)
		}
	}
}

// TestBootTablesOrder checks that the table reader refuses steps out of
// order.
func TestBootTablesOrder(t *testing.T) {
	text := "Boot path\n---------\n| 1 | `a.s:x` | y |\n| 3 | `a.s:z` | y |\n"
	if _, _, err := bootTables(text); err == nil {
		t.Errorf("steps 1, 3: no error, want one naming step 3")
	}
}
