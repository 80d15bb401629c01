package ocitrust

/*
#include <stdlib.h>
#include "ocitrust.h"
*/
import "C"

import (
	"fmt"
	"strings"
	"unsafe"
)

// readBytes reads a value through one of the C accessors that copy into a caller buffer: one
// call into a buffer big enough for most values, and a second, sized by the length the first
// reported, only for longer ones. C writes into the Go buffer during the call and keeps nothing.
func readBytes(get func(buf *C.uint8_t, n C.size_t, out *C.size_t) C.ocitrust_result) ([]byte, error) {
	buf := make([]byte, 512)
	var length C.size_t
	for {
		rc := get((*C.uint8_t)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &length)
		switch {
		case rc == C.OCITRUST_OK:
			return buf[:length:length], nil
		case rc == C.OCITRUST_ERR_BUFFER_TOO_SMALL && int(length) >= len(buf):
			buf = make([]byte, int(length)+1)
		default:
			return nil, takeError(rc, nil)
		}
	}
}

// readString is readBytes for accessors that hand out text.
func readString(get func(buf *C.char, n C.size_t, out *C.size_t) C.ocitrust_result) (string, error) {
	b, err := readBytes(func(buf *C.uint8_t, n C.size_t, out *C.size_t) C.ocitrust_result {
		return get((*C.char)(unsafe.Pointer(buf)), n, out)
	})
	return string(b), err
}

// cBytes copies b into C memory (free with C.free); nil for an empty slice.
func cBytes(b []byte) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.uint8_t)(C.CBytes(b)), C.size_t(len(b))
}

// cString copies s into C memory (free with C.free). A Go string may contain NUL bytes, which a
// C string cannot: such a string is refused rather than silently cut short.
func cString(s, what string) (*C.char, error) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return nil, &Error{Code: CodeInvalidArgument, Message: fmt.Sprintf("%s contains a NUL byte at offset %d", what, i)}
	}
	return C.CString(s), nil
}
