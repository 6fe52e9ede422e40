// Fork test of the template
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package forktest

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

const (
	// version is what the local module proxy serves the template as.
	version = "v0.0.0-fork"

	// envBootTests is the switch of the boot tests (see qemu/): unset
	// or "require" runs them, "off" skips them; "require" makes a
	// missing QEMU or compiler a failure instead of a skip.
	envBootTests = "PERCPU_BOOT_TESTS"
)

// A row is a row of the target table, as `go tool qemu targets -json`
// prints it: the target and its QEMU binary.
type row struct {
	Name, QEMU string
	CPUs       []int
}

// targets returns the rows of the target table in dir: the fork boots on
// every one.
func targets(t *testing.T, dir string) (rows []row) {
	t.Helper()

	out := run(t, dir, nil, "go", "tool", "qemu", "targets", "-json")
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) == 0 {
		t.Fatalf("go tool qemu targets -json (in %s): %d rows, %v\n%s", dir, len(rows), err, out)
	}
	return
}

// run runs a command in dir and returns its standard output; its standard
// error (go: downloading ... lines of a cold module cache among others)
// only shows when it fails.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()

	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr

	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s (in %s): %v\n%s%s", name, strings.Join(args, " "), dir, err, out, stderr.Bytes())
	}

	return string(out)
}

// serve writes a module proxy (GOPROXY=file://dir) serving the files git
// tracks in root as module template at version.
func serve(t *testing.T, root, template, dir string) {
	t.Helper()

	var files []modzip.File
	for _, f := range strings.Split(strings.TrimSpace(run(t, root, nil, "git", "ls-files")), "\n") {
		if _, err := os.Stat(filepath.Join(root, f)); err == nil {
			files = append(files, file{root, f})
		}
	}

	v := filepath.Join(dir, template, "@v")
	if err := os.MkdirAll(v, 0o755); err != nil {
		t.Fatal(err)
	}

	var zip bytes.Buffer
	if err := modzip.Create(&zip, module.Version{Path: template, Version: version}, files); err != nil {
		t.Fatal(err)
	}

	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}

	info, _ := json.Marshal(map[string]any{"Version": version, "Time": time.Now().UTC()})

	for name, data := range map[string][]byte{
		"list":            []byte(version + "\n"),
		version + ".info": info,
		version + ".mod":  mod,
		version + ".zip":  zip.Bytes(),
	} {
		if err := os.WriteFile(filepath.Join(v, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// file is one file of the module zip.
type file struct{ root, path string }

func (f file) Path() string { return f.path }

func (f file) Lstat() (os.FileInfo, error) { return os.Lstat(filepath.Join(f.root, f.path)) }

func (f file) Open() (io.ReadCloser, error) {
	return os.Open(filepath.Join(f.root, f.path))
}

// TestFork makes a new kernel module from the template with gonew, runs the
// fork's own vet and tests (the host tests, and its go test inside the
// kernel of the first target) and boots its kernel on every target.
func TestFork(t *testing.T) {
	mode := os.Getenv(envBootTests)
	if mode == "off" || testing.Short() && mode != "require" {
		t.Skipf("%s=%q, -short %v: the fork test boots QEMU", envBootTests, mode, testing.Short())
	}

	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("git"); err != nil || run(t, root, nil, "git", "rev-parse", "--is-inside-work-tree") == "" {
		t.Skip("the template's files are the ones git tracks: git or the checkout is missing")
	}

	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	// template is the module path of this repository, fork the one of
	// the new kernel (never a string of its own: in a fork it would be
	// the fork's path)
	template := modfile.ModulePath(mod)
	fork := path.Join("example.com", "fork", path.Base(template))

	rows := targets(t, root)
	for _, r := range rows {
		if _, err := exec.LookPath(r.QEMU); err != nil && mode != "require" {
			t.Skipf("%s: %v (set %s=require to make this a failure)", r.Name, err, envBootTests)
		}
	}

	tmp := t.TempDir()
	proxy := filepath.Join(tmp, "proxy")
	serve(t, root, template, proxy)

	// gonew downloads the template through the go command: from the
	// local proxy, into a module cache of its own, so that the user's
	// cache never holds this version
	dst := filepath.Join(tmp, "mykernel")
	gonew := strings.TrimSpace(run(t, root, nil, "go", "tool", "-n", "gonew"))
	run(t, root, []string{
		"GOPROXY=file://" + filepath.ToSlash(proxy),
		"GOMODCACHE=" + filepath.Join(tmp, "modcache"),
		"GOSUMDB=off",
		"GOFLAGS=-modcacherw",
	}, gonew, template+"@"+version, fork, dst)

	run(t, dst, nil, "go", "mod", "edit", "-droptool", template+"/qemu", "-tool", fork+"/qemu")

	// the fork builds on its own: no package of the template's module
	// path is left among its packages, tests or their dependencies
	for _, pkg := range strings.Fields(run(t, dst, nil, "go", "list", "-deps", "-test", "./...")) {
		if pkg == template || strings.HasPrefix(pkg, template+"/") {
			t.Errorf("the fork still depends on %s", pkg)
		}
	}
	t.Logf("fork made in %s", dst)

	// the fork's own checks: vet, the host tests, and go test inside the
	// kernel of the first target (its ok and FAIL lines name the
	// fork's packages)
	run(t, dst, nil, "go", "vet", "./...")
	t.Logf("go test -short ./...:\n%s", run(t, dst, []string{envBootTests + "=off"}, "go", "test", "-short", "./..."))
	t.Logf("go test -run ^TestGoTestInKernel ./qemu (%s):\n%s", rows[0].Name,
		run(t, dst, []string{envBootTests + "=require", "PERCPU_TARGETS=" + rows[0].Name}, "go", "test", "-count=1", "-v", "-run", "^TestGoTestInKernel", "./qemu"))

	for _, r := range rows {
		smp := 2
		if len(r.CPUs) > 0 {
			smp = r.CPUs[0] // a machine with a fixed CPU count
		}
		out := run(t, dst, nil, "go", "tool", "qemu", "run", "-target", r.Name, "-smp", strconv.Itoa(smp), "-check")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		t.Logf("%s: %s", r.Name, lines[len(lines)-1])
	}
}
