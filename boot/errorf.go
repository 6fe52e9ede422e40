// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package boot

import "fmt"

// Errorf is fmt.Errorf for code that runs pinned to its CPU (a function
// given to [OnEachCPU] or [Tally.OnEachCPU]): it keeps the format and its
// operands and formats them only when Error is called, by the writer of the
// result lines, after the pinned call returned.
//
// fmt must not run pinned: its printer cache is a sync.Pool, and the first
// use of a pool after a garbage collection takes a sync.Mutex; a pinned
// goroutine that blocks on it stops the runtime with "fatal error:
// schedule: holding locks" (seen with 64 CPUs formatting at once).
// Operands must be values that do not change afterwards.
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
	return fmt.Sprintf(e.format, e.args...)
}
