package ocitrust

import "sync"

// handle guards a C handle (P is the C pointer type) shared by goroutines: uses hold the read
// lock, Close takes the write lock, frees the handle once and clears it so later uses return
// ErrClosed.
type handle[P comparable] struct {
	mu  sync.RWMutex
	ptr P
}

// use runs f with the live handle, or returns ErrClosed.
func (h *handle[P]) use(f func(P) error) error {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var closed P
	if h.ptr == closed {
		return ErrClosed
	}
	return f(h.ptr)
}

// close frees the handle with free (which clears the pointer it is given) once; later calls do nothing.
func (h *handle[P]) close(free func(*P)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var closed P
	if h.ptr != closed {
		free(&h.ptr)
		h.ptr = closed
	}
}
