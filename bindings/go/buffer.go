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

// readBytes reads a value through one of the C accessors that copy into a caller buffer: it asks
// the length, then reads into a Go buffer the C side writes but does not keep.
func readBytes(get func(buf *C.uint8_t, n C.size_t, out *C.size_t) C.ocitrust_result) ([]byte, error) {
	var length C.size_t
	switch rc := get(nil, 0, &length); rc {
	case C.OCITRUST_ERR_BUFFER_TOO_SMALL:
	case C.OCITRUST_OK:
		return nil, &Error{Code: CodeInternal, Message: "a zero-length buffer was reported big enough"}
	default:
		return nil, takeError(rc, nil)
	}
	buf := make([]byte, int(length)+1)
	if rc := get((*C.uint8_t)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &length); rc != C.OCITRUST_OK {
		return nil, takeError(rc, nil)
	}
	return buf[:length], nil
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
