// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// tamagoModule is the module whose version selects the TamaGo compiler.
const tamagoModule = "github.com/usbarmory/tamago"

// tamagoTool is the go.mod tool that downloads, builds and runs the TamaGo
// go command matching the tamago module version.
const tamagoTool = "github.com/usbarmory/tamago/cmd/tamago"

// moduleRoot returns the directory of the main module's go.mod. Every go
// command of the harness runs there, and relative build paths are relative
// to it.
func moduleRoot() (string, error) {
	out, err := goOutput("", "env", "GOMOD")
	if err != nil {
		return "", err
	}

	if out == "" || out == os.DevNull {
		return "", errors.New("not inside the kernel module: run from the repository (go env GOMOD is empty)")
	}

	return filepath.Dir(out), nil
}

// goOutput runs the host go command in dir and returns its trimmed output.
func goOutput(dir string, args ...string) (string, error) {
	var stderr bytes.Buffer

	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Stderr = &stderr

	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}

	return strings.TrimSpace(string(out)), nil
}

// tamagoGoVersion maps a tamago module version to the tamago-go release the
// `go tool tamago` wrapper installs, following cmd/tamago: v1.26.0 gives
// tamago-go1.26.0, and a pseudo-version such as v1.26.1-0.2026... (built on
// top of v1.26.0) gives tamago-go1.26.0.
func tamagoGoVersion(modVersion string) (string, error) {
	v, pre, isPseudo := strings.Cut(modVersion, "-")
	parts := strings.Split(strings.TrimPrefix(v, "v"), ".")

	if !strings.HasPrefix(v, "v1.") || len(parts) != 3 {
		return "", fmt.Errorf("unsupported tamago module version %q", modVersion)
	}

	if isPseudo {
		patch, err := strconv.Atoi(parts[2])
		if err != nil || patch == 0 || pre == "" {
			return "", fmt.Errorf("unsupported tamago module version %q", modVersion)
		}
		parts[2] = strconv.Itoa(patch - 1)
	}

	return "tamago-go" + strings.Join(parts, "."), nil
}

// compiler is the TamaGo go command the harness builds with.
type compiler struct {
	// Go is $TAMAGO, or the `go tool tamago` wrapper, which runs the
	// tamago-go go command installed under the user cache directory.
	Go string

	// Root is the module root, where the go command runs.
	Root string
}

// errCompilerMissing reports a TamaGo compiler that is not installed.
type errCompilerMissing struct {
	Version string // tamago-go release, e.g. tamago-go1.26.0
	Path    string // where `go tool tamago` expects its go command
	Cause   error  // why installing it failed, if it was tried
}

func (e *errCompilerMissing) Error() string {
	var b strings.Builder

	fmt.Fprintf(&b, "the TamaGo compiler %s is missing: %s does not exist", e.Version, e.Path)

	if e.Cause != nil {
		fmt.Fprintf(&b, ", and installing it with `go tool tamago` failed (%v)", e.Cause)
	}

	fmt.Fprintf(&b, ".\nProvide it in one of two ways:\n"+
		"  - with network access, run `go tool tamago version` in the repository: it clones\n"+
		"    github.com/usbarmory/tamago-go at tag %s and builds it into %s\n"+
		"  - or set TAMAGO to the bin/go of a %s build: TAMAGO=/path/to/%s/bin/go",
		e.Version, filepath.Dir(filepath.Dir(e.Path)), e.Version, e.Version)

	return b.String()
}

// findCompiler returns the TamaGo go command: $TAMAGO if set, otherwise the
// `go tool tamago` wrapper (never `GOOS=tamago go tool tamago`: the stock go
// command would reject GOOS=tamago before the wrapper runs). The wrapper
// installs its compiler on first use; with install false a missing compiler
// is reported without trying, with install true the wrapper is run once to
// install it (this clones and builds tamago-go, which needs network).
func findCompiler(root string, install bool, log io.Writer) (*compiler, error) {
	if path := os.Getenv("TAMAGO"); path != "" {
		if _, err := exec.LookPath(path); err != nil {
			return nil, fmt.Errorf("TAMAGO=%s: %v", path, err)
		}
		return &compiler{Go: path, Root: root}, nil
	}

	wrapper, err := goOutput(root, "tool", "-n", tamagoTool)
	if err != nil {
		return nil, err
	}

	modVersion, err := goOutput(root, "list", "-m", "-f", "{{.Version}}", tamagoModule)
	if err != nil {
		return nil, err
	}

	version, err := tamagoGoVersion(modVersion)
	if err != nil {
		return nil, err
	}

	cache, err := os.UserCacheDir()
	if err != nil {
		return nil, fmt.Errorf("locating %s: %v (or set TAMAGO)", version, err)
	}

	gobin := filepath.Join(cache, "tamago-go", version, "bin", "go")
	c := &compiler{Go: wrapper, Root: root}

	if _, err := os.Stat(gobin); err == nil {
		return c, nil
	}

	if !install {
		return nil, &errCompilerMissing{Version: version, Path: gobin}
	}

	fmt.Fprintf(log, "qemu: %s is missing, installing it with `go tool tamago` (clones and builds tamago-go, needs network)\n", gobin)

	cmd := exec.Command(wrapper, "version")
	cmd.Dir = root
	cmd.Stdout = log
	cmd.Stderr = log

	err = cmd.Run()

	if _, serr := os.Stat(gobin); err != nil || serr != nil {
		if err == nil {
			err = serr
		}
		return nil, &errCompilerMissing{Version: version, Path: gobin, Cause: err}
	}

	return c, nil
}

// command returns the TamaGo go command running args for target t.
func (c *compiler) command(t *target, args []string, stdout, stderr io.Writer) *exec.Cmd {
	cmd := exec.Command(c.Go, args...)
	cmd.Dir = c.Root
	cmd.Env = append(os.Environ(), t.env()...)
	cmd.Stdout = stdout
	cmd.Stderr = stderr

	return cmd
}

// commandLine renders a command for the log, as a shell would run it.
func commandLine(t *target, goCmd string, args []string) string {
	return strings.Join(t.env(), " ") + " " + goCmd + " " + quoteArgs(args)
}

// build builds the main package pkg for target t into out and writes the
// target's Files next to it. pkg and out are relative to the module root
// unless absolute.
func (c *compiler) build(t *target, pkg, out string, log io.Writer) error {
	if !filepath.IsAbs(out) {
		out = filepath.Join(c.Root, out)
	}

	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}

	args := t.buildArgs(pkg, out)
	fmt.Fprintf(log, "qemu: %s\n", commandLine(t, "$TAMAGO", args))

	if err := c.command(t, args, log, log).Run(); err != nil {
		return fmt.Errorf("%s: building %s: %v", t.Name, pkg, err)
	}

	return writeFiles(t, filepath.Dir(out))
}

// vet runs the TamaGo go vet over the module for target t.
func (c *compiler) vet(t *target, log io.Writer) error {
	args := t.vetArgs()
	fmt.Fprintf(log, "qemu: %s\n", commandLine(t, "$TAMAGO", args))

	if err := c.command(t, args, log, log).Run(); err != nil {
		return fmt.Errorf("%s: vet: %v", t.Name, err)
	}

	return nil
}

// writeFiles writes the generated Files of target t into dir.
func writeFiles(t *target, dir string) error {
	for name, gen := range t.Files {
		data := gen()
		path := filepath.Join(dir, name)

		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
			continue
		}

		if err := os.WriteFile(path, data, 0o644); err != nil {
			return fmt.Errorf("%s: %v", t.Name, err)
		}
	}

	return nil
}
