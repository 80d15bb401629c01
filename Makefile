# The C library: build it, install it where C and Go programs find it with pkg-config.
#
#   make install PREFIX=/usr/local        # libocitrust.{a,so}, ocitrust.h, ocitrust{,-static}.pc
#   make uninstall PREFIX=/usr/local
#
# PROFILE=dev installs the unoptimised build (the test suite does, to reuse its compilation).
# DESTDIR is honoured for staged installs; the .pc files name PREFIX, not DESTDIR.

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
PROFILE ?= release
CARGO ?= cargo

VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
MAJOR := $(word 1,$(subst ., ,$(VERSION)))
MINOR := $(word 2,$(subst ., ,$(VERSION)))
# While the major version is 0, every minor release may change the ABI (crates/ocitrust-ffi/build.rs).
SOVERSION := $(if $(filter 0,$(MAJOR)),0.$(MINOR),$(MAJOR))
BUILD_DIR := target/$(if $(filter dev,$(PROFILE)),debug,$(PROFILE))
# What the Rust standard library needs from the system when linking the static library
# (`cargo rustc -p ocitrust-ffi --crate-type staticlib -- --print native-static-libs`).
LIBS_PRIVATE := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc

.PHONY: lib install uninstall

lib:
	$(CARGO) build --locked --profile $(PROFILE) -p ocitrust-ffi

install: lib
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR)
	install -m 0644 $(BUILD_DIR)/libocitrust_ffi.a $(DESTDIR)$(LIBDIR)/libocitrust.a
	install -m 0755 $(BUILD_DIR)/libocitrust_ffi.so $(DESTDIR)$(LIBDIR)/libocitrust.so.$(VERSION)
	ln -sf libocitrust.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libocitrust.so.$(SOVERSION)
	ln -sf libocitrust.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libocitrust.so
	install -m 0644 include/ocitrust.h $(DESTDIR)$(INCLUDEDIR)/ocitrust.h
	archive_sha256="$$(sha256sum $(BUILD_DIR)/libocitrust_ffi.a | cut -c1-64)"; \
	libdir_sha256="$$(printf '%s' '$(LIBDIR)' | sha256sum | cut -c1-64)"; \
	for pc in ocitrust ocitrust-static; do \
	  sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	      -e 's|@VERSION@|$(VERSION)|' -e 's|@LIBS_PRIVATE@|$(LIBS_PRIVATE)|' \
	      -e "s|@ARCHIVE_SHA256@|$$archive_sha256|" -e "s|@LIBDIR_SHA256@|$$libdir_sha256|" \
	      crates/ocitrust-ffi/pkgconfig/$$pc.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/$$pc.pc; \
	done

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libocitrust.a $(DESTDIR)$(LIBDIR)/libocitrust.so \
	      $(DESTDIR)$(LIBDIR)/libocitrust.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libocitrust.so.$(VERSION) \
	      $(DESTDIR)$(INCLUDEDIR)/ocitrust.h \
	      $(DESTDIR)$(PKGCONFIGDIR)/ocitrust.pc $(DESTDIR)$(PKGCONFIGDIR)/ocitrust-static.pc
