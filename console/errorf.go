// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package console

import "fmt"

// Errorf is fmt.Errorf for code that runs pinned to its CPU (a function
// given to [boot.OnEachCPU] or [Tally.OnEachCPU]). fmt must not run pinned:
// its printer cache is a sync.Pool whose first use after a garbage
// collection takes a mutex, and a pinned goroutine that blocks stops the
// runtime. Errorf keeps the format and its operands, which must not change
// afterwards, and formats them when Error or Unwrap is called.
func Errorf(format string, args ...any) error {
	return &deferredError{format, args}
}

// deferredError is the error of [Errorf].
type deferredError struct {
	format string
	args   []any
}

// Error formats the message.
func (e *deferredError) Error() string {
	return fmt.Errorf(e.format, e.args...).Error()
}

// Unwrap returns the operands of the %w verbs, as fmt.Errorf's error does.
func (e *deferredError) Unwrap() []error {
	switch err := fmt.Errorf(e.format, e.args...).(type) {
	case interface{ Unwrap() error }:
		return []error{err.Unwrap()}
	case interface{ Unwrap() []error }:
		return err.Unwrap()
	}
	return nil
}
