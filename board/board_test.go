// Board selection
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package board

import (
	"go/build"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSelection checks that the build of every target (GOOS=tamago, its
// GOARCH and tags) compiles exactly one selection file of this package,
// and that the board it imports declares that target.
func TestSelection(t *testing.T) {
	files, err := filepath.Glob("board_*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no board_*.go selection file: %v", err)
	}

	for _, tg := range Targets {
		ctx := build.Default
		ctx.GOOS, ctx.GOARCH, ctx.BuildTags = "tamago", tg.GOARCH, tg.Tags

		var picked []string
		for _, f := range files {
			if ok, err := ctx.MatchFile(".", f); err != nil {
				t.Fatal(err)
			} else if ok {
				picked = append(picked, f)
			}
		}
		if len(picked) != 1 {
			t.Errorf("%s (GOARCH %s, tags %q): selection files %q, want one", tg.Name, tg.GOARCH, tg.Tags, picked)
			continue
		}

		// the board the file imports declares the target
		pkg, err := ctx.ImportDir(".", 0)
		if err != nil {
			t.Fatal(err)
		}
		var declared bool
		for _, imp := range pkg.Imports {
			dir, ok := strings.CutPrefix(imp, modulePath(t)+"/board/")
			if !ok {
				continue
			}
			src, err := os.ReadFile(filepath.Join(dir, "target.go"))
			declared = declared || err == nil && strings.Contains(string(src), strconv.Quote(tg.Name))
		}
		if !declared {
			t.Errorf("%s: %s imports %q, none of which declares the target in its target.go", tg.Name, picked[0], pkg.Imports)
		}
	}
}

// modulePath returns the module path of go.mod.
func modulePath(t *testing.T) string {
	b, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(strings.TrimPrefix(line, "module"))
}
