//go:build !unix

package jobs

// processAlive cannot tell here: jobs of other processes are left to the
// lease.
func processAlive(int) bool { return true }
